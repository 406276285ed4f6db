// ReproducibleFixedPoint: an exact binary fixed-point number as wide as its terms need.
//
// Objective: hold V = L·2^(64·_low), L the two's complement integer in _limb, exactly under the
//   addition of terms m·2^f (|m| < 2^127) and of other such numbers; round V once to a double.
// Reference: Neal (2015), "Fast exact summation using small and large superaccumulators",
//   arXiv:1505.05571 (exact accumulation over the whole exponent range); Knuth, TAOCP vol. 2,
//   §4.3.1 (multiple-precision addition with carries).
// Invariant: the top limb is the sign extension of the limb below it, so V fits in the other limbs
//   and adding a term that also fits there cannot overflow.
// Cost: a term touches 3 limbs plus a carry that almost always stops at the next one. The array
//   covers only the bits in use (growing by Slack limbs when needed): at most ~70 limbs, the span
//   from 2^-2148 (least product of doubles) to 2^2100.
using System.Buffers.Binary;
using System.Numerics;

namespace Keel.LinearAlgebra;

/// <summary>An exact, growable fixed-point accumulator; the heap part of <c>Compression.ExactSum</c>.</summary>
internal sealed class ReproducibleFixedPoint
{
    private const int Slack = 2; // Extra limbs on the side that grows, so growth is rare.

    private ulong[] _limb;
    private int _low;

    /// <summary>A value holding m·2^exponent exactly.</summary>
    public ReproducibleFixedPoint(Int128 m, int exponent)
        : this(new ulong[3 + 1 + (2 * Slack)], (exponent >> 6) - Slack)
    {
        Add(m, exponent);
    }

    private ReproducibleFixedPoint(ulong[] limb, int low) => (_limb, _low) = (limb, low);

    /// <summary>Version stamp kept by the owner to detect stale struct copies; not part of the value.</summary>
    public int Stamp { get; set; }

    /// <summary>True if the value is exactly zero.</summary>
    public bool IsZero => !_limb.AsSpan().ContainsAnyExcept(0UL);

    /// <summary>A copy with its own limbs (stamp 0).</summary>
    public ReproducibleFixedPoint Clone() => new((ulong[])_limb.Clone(), _low);

    /// <summary>Adds m·2^f exactly, |m| &lt; 2^127.</summary>
    public void Add(Int128 m, int f)
    {
        bool negative = m < 0;
        var magnitude = (UInt128)(negative ? -m : m);
        int shift = f & 63;
        ulong lo = (ulong)magnitude, hi = (ulong)(magnitude >> 64);
        // magnitude·2^shift in three limbs; (x >> 1) >> (63 − shift) avoids a shift by 64 at shift 0.
        ulong t0 = lo << shift;
        ulong t1 = (hi << shift) | ((lo >> 1) >> (63 - shift));
        ulong t2 = (hi >> 1) >> (63 - shift); // < 2^62: the sign bit stays free.
        int index = f >> 6; // Floors, also for negative f.
        if (index < _low || index + 3 > _low + _limb.Length - 1)
        {
            EnsureCovers(index, index + 3); // The term's limbs and one above for its carry.
        }

        ulong[] limb = _limb;
        int k = index - _low;
        if (negative)
        {
            ulong borrow = Subtract(ref limb[k], t0, 0);
            borrow = Subtract(ref limb[k + 1], t1, borrow);
            borrow = Subtract(ref limb[k + 2], t2, borrow);
            for (int i = k + 3; borrow != 0 && i < limb.Length; i++)
            {
                borrow = limb[i]-- == 0 ? 1UL : 0UL;
            }
        }
        else
        {
            ulong carry = Add(ref limb[k], t0, 0);
            carry = Add(ref limb[k + 1], t1, carry);
            carry = Add(ref limb[k + 2], t2, carry);
            for (int i = k + 3; carry != 0 && i < limb.Length; i++)
            {
                carry = ++limb[i] == 0 ? 1UL : 0UL;
            }
        }

        KeepSignLimb();
    }

    /// <summary>Adds another fixed-point value exactly.</summary>
    public void Add(ReproducibleFixedPoint other)
    {
        ReproducibleFixedPoint source = ReferenceEquals(other, this) ? Clone() : other;
        AddLimbs(source._limb, source._low);
    }

    /// <summary>Replaces the value by its negation.</summary>
    public void Negate()
    {
        NegateInPlace(_limb);
        KeepSignLimb(); // −(−2^k) needs one more bit.
    }

    /// <summary>The exact value as Significand·2^Exponent.</summary>
    public (BigInteger Significand, int Exponent) ToExact()
    {
        var bytes = new byte[_limb.Length * sizeof(ulong)];
        for (int i = 0; i < _limb.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * sizeof(ulong)), _limb[i]);
        }

        return (new BigInteger(bytes), 64 * _low); // Little-endian two's complement, as stored.
    }

    /// <summary>The value significand·2^exponent.</summary>
    public static ReproducibleFixedPoint FromExact(BigInteger significand, int exponent)
    {
        byte[] bytes = (significand << (exponent & 63)).ToByteArray(); // Align to a limb boundary.
        var padded = new byte[((bytes.Length / sizeof(ulong)) + 2) * sizeof(ulong)];
        padded.AsSpan().Fill(significand.Sign < 0 ? (byte)0xFF : (byte)0);
        bytes.CopyTo(padded, 0);
        var limb = new ulong[padded.Length / sizeof(ulong)];
        for (int i = 0; i < limb.Length; i++)
        {
            limb[i] = BinaryPrimitives.ReadUInt64LittleEndian(padded.AsSpan(i * sizeof(ulong)));
        }

        return new ReproducibleFixedPoint(limb, exponent >> 6);
    }

    /// <summary>The value rounded once to the nearest double, ties to even.</summary>
    public double ToDouble()
    {
        int n = _limb.Length;
        Span<ulong> magnitude = n <= 96 ? stackalloc ulong[96] : new ulong[n];
        magnitude = magnitude[..n];
        _limb.CopyTo(magnitude);
        bool negative = (long)_limb[^1] < 0;
        if (negative)
        {
            NegateInPlace(magnitude);
        }

        int h = magnitude.LastIndexOfAnyExcept(0UL);
        if (h < 0)
        {
            return 0.0; // An exact zero is +0.
        }

        int lz = BitOperations.LeadingZeroCount(magnitude[h]);
        ulong next = h > 0 ? magnitude[h - 1] : 0;
        ulong top = lz == 0 ? magnitude[h] : (magnitude[h] << lz) | (next >> (64 - lz));
        bool sticky = (next << lz) != 0 || magnitude[..Math.Max(h - 1, 0)].ContainsAnyExcept(0UL);
        return Round(top, sticky, (64 * (_low + h)) + 63 - lz, negative);
    }

    /// <summary>
    /// Rounds to nearest-even the nonzero value whose leading 64 bits are <paramref name="top"/> (bit 63
    /// set, weighing 2^t), followed by nonzero lower bits iff <paramref name="sticky"/>.
    /// </summary>
    internal static double Round(ulong top, bool sticky, int t, bool negative)
    {
        long sign = negative ? long.MinValue : 0;
        if (t > 1023)
        {
            return BitConverter.Int64BitsToDouble(sign | 0x7FF0_0000_0000_0000); // Beyond the range: ±Infinity.
        }

        if (t < -1075)
        {
            return BitConverter.Int64BitsToDouble(sign); // Under half the least subnormal: a signed zero.
        }

        // q is the weight of the last kept bit: 53 bits for normals, down to 2^-1074 for subnormals.
        int q = Math.Max(t - 52, -1074);
        int dropped = q - (t - 63); // 11 for normals, up to 64 for subnormals.
        ulong kept = dropped == 64 ? 0 : top >> dropped;
        bool half = ((top >> (dropped - 1)) & 1) != 0;
        bool below = sticky || (top & ((1UL << (dropped - 1)) - 1)) != 0;
        if (half && (below || (kept & 1) != 0))
        {
            kept++;
        }

        // Exponent field plus significand: a carry out of 2^53 − 1 bumps the exponent, a subnormal
        // rounding up to 2^52 becomes the least normal, and past the largest finite value the bits
        // are exactly those of Infinity.
        return BitConverter.Int64BitsToDouble(sign | (((long)(q + 1074) << 52) + (long)kept));
    }

    /// <summary>Adds a two's complement term (sign-extended upward) whose limb 0 weighs 2^(64·index).</summary>
    private void AddLimbs(ReadOnlySpan<ulong> term, int index)
    {
        EnsureCovers(index, index + term.Length); // The term's limbs and one above for its carry.
        Span<ulong> limb = _limb.AsSpan(index - _low);
        ulong carry = 0;
        for (int i = 0; i < term.Length; i++)
        {
            ulong a = limb[i];
            ulong s = a + term[i];
            ulong c = s < a ? 1UL : 0UL;
            s += carry;
            carry = c | (s < carry ? 1UL : 0UL);
            limb[i] = s;
        }

        // Above the term its sign extension continues: 0 adds the carry; all ones adds carry − 1.
        ulong signBit = term[^1] >> 63;
        for (int i = term.Length; i < limb.Length && carry != signBit; i++)
        {
            carry = carry != 0 ? (++limb[i] == 0 ? 1UL : 0UL) : (limb[i]-- != 0 ? 1UL : 0UL);
        }

        KeepSignLimb();
    }

    private void EnsureCovers(int lowIndex, int highIndex)
    {
        int high = _low + _limb.Length - 1;
        if (lowIndex < _low || highIndex > high)
        {
            Resize(lowIndex < _low ? lowIndex - Slack : _low, highIndex > high ? highIndex + Slack : high);
        }
    }

    /// <summary>Restores the invariant after an add: the value may now use the top limb.</summary>
    private void KeepSignLimb()
    {
        if (_limb[^1] != (ulong)((long)_limb[^2] >> 63))
        {
            Resize(_low, _low + _limb.Length - 1 + Slack);
        }
    }

    private void Resize(int newLow, int newHigh)
    {
        var grown = new ulong[newHigh - newLow + 1];
        _limb.CopyTo(grown, _low - newLow);
        grown.AsSpan(_low - newLow + _limb.Length).Fill((ulong)((long)_limb[^1] >> 63));
        (_limb, _low) = (grown, newLow);
    }

    private static ulong Add(ref ulong limb, ulong t, ulong carry)
    {
        ulong a = limb;
        ulong s = a + t;
        ulong c = s < a ? 1UL : 0UL;
        s += carry;
        limb = s;
        return c | (s < carry ? 1UL : 0UL);
    }

    private static ulong Subtract(ref ulong limb, ulong t, ulong borrow)
    {
        ulong a = limb;
        ulong s = a - t;
        ulong b = s > a ? 1UL : 0UL;
        ulong r = s - borrow;
        limb = r;
        return b | (r > s ? 1UL : 0UL);
    }

    private static void NegateInPlace(Span<ulong> v)
    {
        ulong carry = 1;
        for (int i = 0; i < v.Length; i++)
        {
            ulong n = ~v[i] + carry;
            carry = carry != 0 && n == 0 ? 1UL : 0UL;
            v[i] = n;
        }
    }
}
