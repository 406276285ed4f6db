// ExactSum: the exact, order-independent sum of doubles and of exact products of doubles.
//
// Objective: hold S = Σ x_k + Σ a_k·b_k EXACTLY; ToDouble() rounds S once, to nearest-even.
// Reference: Neal (2015), "Fast exact summation using small and large superaccumulators",
//   arXiv:1505.05571: exact fixed-point accumulation. Here the fixed point floats: a 126-bit window
//   placed where the terms are, widened to a heap fixed-point number (ReproducibleFixedPoint) only
//   when one accumulator needs more. See docs/reproducible-sums.md.
// Invariant: inline, S = M·2^_e with M = _hi·2^64 + _lo and |M| < 2^126; escalated, S is the
//   value of _wide, _lo mirrors _wide.Stamp and _e is EscalatedExponent. S depends only on the
//   multiset of terms, so ToDouble gives the same bits for every order, partitioning, merge tree,
//   thread count and CPU.
// Cost: 32 bytes; a term inside the window costs one 128-bit shift and add, no allocation. A term
//   outside it escalates once (one allocation of a few limbs); adds then touch ~3 limbs.
// Caller contract: inputs are finite (rejected upstream; Debug.Assert here). A sum beyond the double
//   range rounds to ±Infinity (see IsFiniteAsDouble). Mutate an accumulator in place (array slot,
//   field, ref local): an escalated copy shares its limbs, so duplicate with Clone(). A stale copy
//   is detected by the stamp and throws rather than return a wrong value. Not thread-safe: one
//   accumulator per thread, then merge with Add(in ExactSum).
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using Keel.LinearAlgebra;

namespace Keel.Compression;

/// <summary>
/// An exact accumulator: its value is the exact sum of everything added, so the rounded result has
/// the same bits whatever the order or partitioning of the additions.
/// </summary>
internal struct ExactSum
{
    private const long FractionMask = (1L << 52) - 1;
    private const long HiddenBit = 1L << 52;

    // |term| < 2^125 and |M| < 2^125 before an add keep |M| < 2^126 after it: no Int128 overflow.
    private const int Window = 125;

    // Where the first term's top bit goes: room below for smaller terms, 37 bits above for growth.
    private const int FirstTermTop = 88;

    // Escalated, _e holds this value so that every fast-path exponent test fails without a null check.
    private const int EscalatedExponent = int.MinValue / 2;

    private ulong _lo;   // M = _hi·2^64 + _lo, two's complement; escalated: the stamp of _wide.
    private long _hi;
    private ReproducibleFixedPoint? _wide;
    private int _e;

    /// <summary>True if the exact sum is zero (nothing added, only zeros, or full cancellation).</summary>
    public readonly bool IsZero => _wide is null ? (_lo | (ulong)_hi) == 0 : Checked().IsZero;

    /// <summary>True if ToDouble() is finite, i.e. the exact sum does not round beyond the double range.</summary>
    public readonly bool IsFiniteAsDouble => double.IsFinite(ToDouble());

    /// <summary>True once a term outside the inline window moved the value to the heap (diagnostics, tests).</summary>
    internal readonly bool IsEscalated => _wide is not null;

    private Int128 M
    {
        readonly get => new((ulong)_hi, _lo);
        set => (_hi, _lo) = ((long)(value >> 64), (ulong)value);
    }

    /// <summary>True if the exact sums of <paramref name="a"/> and <paramref name="b"/> are equal (a − b is exactly 0).</summary>
    public static bool ExactlyEqual(in ExactSum a, in ExactSum b)
    {
        ExactSum difference = a.Clone();
        ExactSum minus = b.Clone();
        minus.Negate();
        difference.Add(in minus);
        return difference.IsZero;
    }

    /// <summary>Adds x exactly. x must be finite; ±0 adds nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double x)
    {
        Debug.Assert(double.IsFinite(x), "ExactSum: callers reject NaN and infinities before adding.");
        long bits = BitConverter.DoubleToInt64Bits(x);
        int biased = (int)(bits >> 52) & 0x7FF;
        long sign = bits >> 63;
        long m = (((bits & FractionMask) | (biased != 0 ? HiddenBit : 0)) ^ sign) - sign;
        int f = Math.Max(biased, 1) - 1075; // Subnormals share the exponent of the least normal.
        int d = f - _e;
        // Common path: the 53-bit term lands less than 64 bits above the window's lowest bit.
        if ((uint)d < 64 && HasHeadroom(_hi))
        {
            // m·2^d as 128 bits; (m >> 1) >> (63 − d) is m >> (64 − d) without a shift by 64 at d = 0.
            AddInline((ulong)(m << d), (m >> 1) >> (63 - d));
            return;
        }

        if (m != 0)
        {
            AddSlow(m, f);
        }
    }

    /// <summary>
    /// Adds the exact product a·b. The 106-bit product of the two significands is formed in integer
    /// arithmetic, so it is exact even where TwoProduct (Ogita, Rump and Oishi 2005) is not: when a·b
    /// underflows or overflows the double range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddProduct(double a, double b)
    {
        Debug.Assert(double.IsFinite(a) && double.IsFinite(b), "ExactSum: callers reject NaN and infinities.");
        long bitsA = BitConverter.DoubleToInt64Bits(a), bitsB = BitConverter.DoubleToInt64Bits(b);
        int biasedA = (int)(bitsA >> 52) & 0x7FF, biasedB = (int)(bitsB >> 52) & 0x7FF;
        ulong ma = (ulong)((bitsA & FractionMask) | (biasedA != 0 ? HiddenBit : 0));
        ulong mb = (ulong)((bitsB & FractionMask) | (biasedB != 0 ? HiddenBit : 0));
        ulong hi = Math.BigMul(ma, mb, out ulong lo); // < 2^106, exact.
        int f = Math.Max(biasedA, 1) + Math.Max(biasedB, 1) - 2150;
        ulong sign = (ulong)((bitsA ^ bitsB) >> 63);
        int d = f - _e;
        if ((uint)d < Window - 105 && HasHeadroom(_hi))
        {
            // Shift by d < 20, then negate in two's complement when the signs differ.
            (lo, hi) = (lo << d, (hi << d) | ((lo >> 1) >> (63 - d)));
            lo = (lo ^ sign) - sign;
            hi = (hi ^ sign) + (sign & (lo == 0 ? 1UL : 0UL));
            AddInline(lo, (long)hi);
            return;
        }

        if ((hi | lo) != 0)
        {
            var p = new Int128(hi, lo);
            AddSlow(sign != 0 ? -p : p, f);
        }
    }

    /// <summary>
    /// An accumulator holding x: the very state default(ExactSum) has after Add(x), built inline for
    /// a normal x (the first term's top bit placed at bit 88, as TryAddInline places it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ExactSum Of(double x)
    {
        var sum = default(ExactSum);
        long bits = BitConverter.DoubleToInt64Bits(x);
        int biased = (int)(bits >> 52) & 0x7FF;
        if (biased is 0 or 0x7FF || (uint)(biased - 1075) < 64)
        {
            sum.Add(x); // Zero, subnormals and x ≥ 2^52 (which Add places at _e = 0): the general path.
            return sum;
        }

        long sign = bits >> 63;
        long m = (((bits & FractionMask) | HiddenBit) ^ sign) - sign;
        const int Shift = FirstTermTop - 53;
        sum.M = (Int128)m << Shift;
        sum._e = biased - 1075 - Shift;
        return sum;
    }

    /// <summary>An accumulator holding the exact a·b: the state default(ExactSum) has after AddProduct(a, b), inline for normal a and b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ExactSum OfProduct(double a, double b)
    {
        var sum = default(ExactSum);
        long bitsA = BitConverter.DoubleToInt64Bits(a), bitsB = BitConverter.DoubleToInt64Bits(b);
        int biasedA = (int)(bitsA >> 52) & 0x7FF, biasedB = (int)(bitsB >> 52) & 0x7FF;
        if (biasedA is 0 or 0x7FF || biasedB is 0 or 0x7FF || (uint)(biasedA + biasedB - 2150) < Window - 105)
        {
            sum.AddProduct(a, b); // Zeros, subnormals and products AddProduct places at _e = 0: the general path.
            return sum;
        }

        // Two 53-bit significands: a 105- or 106-bit product, longer than FirstTermTop, so it lands unshifted.
        ulong hi = Math.BigMul((ulong)((bitsA & FractionMask) | HiddenBit), (ulong)((bitsB & FractionMask) | HiddenBit), out ulong lo);
        var p = new Int128(hi, lo);
        sum.M = (bitsA ^ bitsB) < 0 ? -p : p;
        sum._e = biasedA + biasedB - 2150;
        return sum;
    }

    /// <summary>An accumulator holding the count n exactly, as two exact doubles would add it (Σw of an unweighted cell).</summary>
    public static ExactSum OfCount(long n)
    {
        if ((ulong)n < 1UL << 32)
        {
            return Of(n);
        }

        var sum = default(ExactSum);
        sum.Add((double)(n >> 32) * 4294967296.0);
        sum.Add((double)(n & 0xFFFFFFFFL));
        return sum;
    }

    /// <summary>Adds another accumulator exactly (merging partial sums from threads, files or machines).</summary>
    public void Add(in ExactSum other)
    {
        if (other._wide is null)
        {
            if (!other.IsZero)
            {
                AddSlow(other.M, other._e);
            }

            return;
        }

        ReproducibleFixedPoint source = other.Checked();
        if (ReferenceEquals(source, _wide))
        {
            source = source.Clone(); // Adding to itself (or to a copy sharing the limbs): read a snapshot.
        }

        if (_wide is null)
        {
            Escalate();
        }

        Checked().Add(source);
        _lo = (ulong)++_wide!.Stamp;
    }

    /// <summary>Replaces the value by its negation (exact).</summary>
    public void Negate()
    {
        if (_wide is null)
        {
            M = -M;
            return;
        }

        Checked().Negate();
        _lo = (ulong)++_wide.Stamp;
    }

    /// <summary>An independent copy (an escalated accumulator gets its own limbs).</summary>
    public readonly ExactSum Clone()
    {
        if (_wide is null)
        {
            return this;
        }

        ReproducibleFixedPoint copy = Checked().Clone();
        return new ExactSum { _wide = copy, _lo = (ulong)copy.Stamp, _e = EscalatedExponent };
    }

    /// <summary>The exact sum rounded once to the nearest double, ties to even; ±Infinity beyond the range.</summary>
    public readonly double ToDouble()
    {
        if (_wide is not null)
        {
            return Checked().ToDouble();
        }

        if (IsZero)
        {
            return 0.0; // The empty sum and sums of zeros are +0.
        }

        bool negative = _hi < 0;
        var magnitude = (UInt128)(negative ? -M : M);
        int length = 128 - (int)UInt128.LeadingZeroCount(magnitude);
        UInt128 normalized = magnitude << (128 - length);
        return ReproducibleFixedPoint.Round((ulong)(normalized >> 64), (ulong)normalized != 0, _e + length - 1, negative);
    }

    /// <summary>
    /// The exact sum as an unevaluated pair: Hi = ToDouble() and Lo = the exact remainder S − Hi
    /// rounded to nearest, so Hi + Lo carries about 106 bits. Lo is 0 when Hi is infinite.
    /// </summary>
    public readonly (double Hi, double Lo) ToDoubleDouble()
    {
        double hi = ToDouble();
        if (!double.IsFinite(hi))
        {
            return (hi, 0.0);
        }

        ExactSum remainder = Clone();
        remainder.Add(-hi);
        return (hi, remainder.ToDouble());
    }

    /// <summary>The exact value as Significand·2^Exponent (a lossless form to persist partial sums).</summary>
    public readonly (BigInteger Significand, int Exponent) ToExact() =>
        _wide is null ? ((BigInteger)M, _e) : Checked().ToExact();

    /// <summary>This sum times 2^k, exactly (for statistics of targets near the ends of the double range).</summary>
    public readonly ExactSum ScaleB(int k)
    {
        (BigInteger significand, int exponent) = ToExact();
        return FromExact(significand, exponent + k);
    }

    /// <summary>An accumulator holding exactly significand·2^exponent (the inverse of ToExact).</summary>
    public static ExactSum FromExact(BigInteger significand, int exponent)
    {
        const int Limit = 1 << 16; // Far beyond any sum of doubles or products (their bits lie in 2^-2148..2^2100).
        if (exponent is < -Limit or > Limit || significand.GetBitLength() > Limit)
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), "an exact sum of doubles lies within 2^±65536");
        }

        var sum = default(ExactSum);
        if (significand.GetBitLength() <= Window)
        {
            sum.M = (Int128)significand;
            sum._e = significand.IsZero ? 0 : exponent;
            return sum;
        }

        sum._wide = ReproducibleFixedPoint.FromExact(significand, exponent);
        (sum._lo, sum._e) = ((ulong)sum._wide.Stamp, EscalatedExponent);
        return sum;
    }

    /// <summary>|M| &lt; 2^125, read from the high word: its top three bits are copies of the sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasHeadroom(long hi) => (ulong)(hi + (1L << 61)) < (1UL << 62);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddInline(ulong lo, long hi)
    {
        ulong sum = _lo + lo;
        _hi += hi + (sum < lo ? 1L : 0L);
        _lo = sum;
    }

    private static int BitLength(Int128 v) => 128 - (int)UInt128.LeadingZeroCount((UInt128)(v < 0 ? -v : v));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddSlow(Int128 m, int f)
    {
        if (_wide is null)
        {
            if (TryAddInline(m, f))
            {
                return;
            }

            Escalate();
        }

        Checked().Add(m, f);
        _lo = (ulong)++_wide!.Stamp;
    }

    /// <summary>Adds m·2^f (|m| &lt; 2^126) inline if the union of both bit ranges spans at most 125 bits.</summary>
    private bool TryAddInline(Int128 m, int f)
    {
        Int128 sum = M;
        if (sum == 0)
        {
            // Top bit at 88: later terms down to 2^-35 as large (doubles) stay on the fast path.
            int shift = Math.Max(0, FirstTermTop - BitLength(m));
            (M, _e) = (m << shift, f - shift);
            return true;
        }

        int low = Math.Min(f, _e);
        int span = Math.Max(f + BitLength(m), _e + BitLength(sum)) - low;
        if (span > Window)
        {
            // Trailing zero bits hold no information: drop them and measure again before escalating.
            int tz = (int)Int128.TrailingZeroCount(m);
            int tzSum = (int)Int128.TrailingZeroCount(sum);
            (m, f, sum, _e) = (m >> tz, f + tz, sum >> tzSum, _e + tzSum);
            M = sum;
            low = Math.Min(f, _e);
            span = Math.Max(f + BitLength(m), _e + BitLength(sum)) - low;
            if (span > Window)
            {
                return false;
            }
        }

        M = (sum << (_e - low)) + (m << (f - low));
        _e = low;
        return true;
    }

    private void Escalate()
    {
        _wide = new ReproducibleFixedPoint(M, _e);
        (_lo, _hi, _e) = ((ulong)_wide.Stamp, 0, EscalatedExponent);
    }

    /// <summary>The heap part, after checking this struct is not a stale copy of an accumulator since mutated.</summary>
    private readonly ReproducibleFixedPoint Checked()
    {
        Debug.Assert(_wide is not null, "only called once escalated");
        if (_lo != (ulong)_wide.Stamp)
        {
            throw new InvalidOperationException(
                "ExactSum: this is a stale copy of an escalated accumulator; update accumulators in place and duplicate them with Clone().");
        }

        return _wide;
    }
}
