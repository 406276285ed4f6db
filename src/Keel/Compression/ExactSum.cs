// ExactSum: the exact, order-independent sum of doubles and of exact products of doubles.
//
// Objective: hold S = Σ x_k + Σ a_k·b_k EXACTLY; ToDouble() rounds S once, to nearest-even.
// Reference: Neal (2015), "Fast exact summation using small and large superaccumulators",
//   arXiv:1505.05571: exact fixed-point accumulation. Here the fixed point floats: a 126-bit window
//   placed where the terms are, widened to a heap fixed-point number (ReproducibleFixedPoint) only
//   when one accumulator needs more. See docs/reproducible-sums.md.
// Invariant: inline, S = _m·2^_e with |_m| < 2^126; escalated, S is _wide's value and _e mirrors
//   _wide.Stamp. S depends only on the multiset of terms, so ToDouble gives the same bits for every
//   order, partitioning, merge tree, thread count and CPU.
// Cost: 32 bytes; a term inside the window costs one 128-bit shift and add, no allocation. A term
//   outside it escalates once (one allocation of a few limbs); adds then touch ~3 limbs.
// Caller contract: inputs are finite (rejected upstream; Debug.Assert here). A sum beyond the double
//   range rounds to ±Infinity (see IsFiniteAsDouble). Mutate an accumulator in place (array slot,
//   field, ref local): an escalated copy shares its limbs, so duplicate with Clone(). A stale copy
//   is detected by the stamp and throws rather than return a wrong value.
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

    // |term| < 2^125 and |_m| < 2^125 before an add keep |_m| < 2^126 after it: no Int128 overflow.
    private const int Window = 125;

    private Int128 _m;
    private ReproducibleFixedPoint? _wide;
    private int _e;

    /// <summary>True if the exact sum is zero (nothing added, only zeros, or full cancellation).</summary>
    public readonly bool IsZero => _wide is null ? _m == 0 : Checked().IsZero;

    /// <summary>True if ToDouble() is finite, i.e. the exact sum does not round beyond the double range.</summary>
    public readonly bool IsFiniteAsDouble => double.IsFinite(ToDouble());

    /// <summary>True once a term outside the inline window moved the value to the heap (diagnostics, tests).</summary>
    internal readonly bool IsEscalated => _wide is not null;

    /// <summary>Adds x exactly. x must be finite; ±0 adds nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double x)
    {
        Debug.Assert(double.IsFinite(x), "ExactSum: callers reject NaN and infinities before adding.");
        long m = Decompose(x, out int f);
        int d = f - _e;
        // Common path: the 53-bit term lands in the window, at or above its lowest bit.
        if ((uint)d <= Window - 53 && _wide is null && HasHeadroom(_m))
        {
            _m += (Int128)m << d;
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
        Int128 p = Math.BigMul(Decompose(a, out int fa), Decompose(b, out int fb));
        int f = fa + fb;
        int d = f - _e;
        if ((uint)d <= Window - 106 && _wide is null && HasHeadroom(_m))
        {
            _m += p << d;
            return;
        }

        if (p != 0)
        {
            AddSlow(p, f);
        }
    }

    /// <summary>Adds another accumulator exactly (merging partial sums from threads, files or machines).</summary>
    public void Add(in ExactSum other)
    {
        if (other._wide is null)
        {
            if (other._m != 0)
            {
                AddSlow(other._m, other._e);
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
        _e = ++_wide!.Stamp;
    }

    /// <summary>Replaces the value by its negation (exact).</summary>
    public void Negate()
    {
        if (_wide is null)
        {
            _m = -_m;
            return;
        }

        Checked().Negate();
        _e = ++_wide.Stamp;
    }

    /// <summary>An independent copy (an escalated accumulator gets its own limbs).</summary>
    public readonly ExactSum Clone()
    {
        if (_wide is null)
        {
            return this;
        }

        ReproducibleFixedPoint copy = Checked().Clone();
        return new ExactSum { _wide = copy, _e = copy.Stamp };
    }

    /// <summary>The exact sum rounded once to the nearest double, ties to even; ±Infinity beyond the range.</summary>
    public readonly double ToDouble()
    {
        if (_wide is not null)
        {
            return Checked().ToDouble();
        }

        if (_m == 0)
        {
            return 0.0; // The empty sum and sums of zeros are +0.
        }

        bool negative = _m < 0;
        var magnitude = (UInt128)(negative ? -_m : _m);
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
        _wide is null ? ((BigInteger)_m, _e) : Checked().ToExact();

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
            sum._m = (Int128)significand;
            sum._e = significand.IsZero ? 0 : exponent;
            return sum;
        }

        sum._wide = ReproducibleFixedPoint.FromExact(significand, exponent);
        sum._e = sum._wide.Stamp;
        return sum;
    }

    /// <summary>Splits a finite double into a signed integer significand m (|m| &lt; 2^53) and f with x = m·2^f.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Decompose(double x, out int f)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int biased = (int)(bits >> 52) & 0x7FF;
        long m = bits & FractionMask;
        if (biased != 0)
        {
            m |= HiddenBit;
        }
        else
        {
            biased = 1; // Subnormals share the exponent of the smallest normal.
        }

        f = biased - 1075;
        return bits < 0 ? -m : m;
    }

    /// <summary>|v| &lt; 2^125, read from the high word: its top three bits are copies of the sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasHeadroom(Int128 v) => (ulong)((long)(v >> 64) + (1L << 61)) < (1UL << 62);

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
        _e = ++_wide!.Stamp;
    }

    /// <summary>Adds m·2^f (|m| &lt; 2^126) inline if the union of both bit ranges spans at most 125 bits.</summary>
    private bool TryAddInline(Int128 m, int f)
    {
        if (_m == 0)
        {
            (_m, _e) = (m, f);
            return true;
        }

        int low = Math.Min(f, _e);
        int span = Math.Max(f + BitLength(m), _e + BitLength(_m)) - low;
        if (span > Window)
        {
            // Trailing zero bits hold no information: drop them and measure again before escalating.
            int tz = (int)Int128.TrailingZeroCount(m);
            int tzSum = (int)Int128.TrailingZeroCount(_m);
            (m, f, _m, _e) = (m >> tz, f + tz, _m >> tzSum, _e + tzSum);
            low = Math.Min(f, _e);
            span = Math.Max(f + BitLength(m), _e + BitLength(_m)) - low;
            if (span > Window)
            {
                return false;
            }
        }

        _m = (_m << (_e - low)) + (m << (f - low));
        _e = low;
        return true;
    }

    private void Escalate()
    {
        _wide = new ReproducibleFixedPoint(_m, _e);
        _m = 0;
        _e = _wide.Stamp;
    }

    /// <summary>The heap part, after checking this struct is not a stale copy of an accumulator since mutated.</summary>
    private readonly ReproducibleFixedPoint Checked()
    {
        Debug.Assert(_wide is not null, "only called once escalated");
        if (_e != _wide.Stamp)
        {
            throw new InvalidOperationException(
                "ExactSum: this is a stale copy of an escalated accumulator; update accumulators in place and duplicate them with Clone().");
        }

        return _wide;
    }
}
