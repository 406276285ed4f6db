// Keel's own natural logarithm and exponential, for every path that feeds a result.
//
// Why: Math.Log and Math.Exp call the C library of the operating system, whose last bit is not
// specified and differs between libm versions and platforms. These are built only from IEEE
// operations that are correctly rounded everywhere (+, -, *, /, and the explicit
// Math.FusedMultiplyAdd inside DoubleDouble), in a fixed order, so their bits are the same on every
// CPU, vector width, thread count, runtime setting and operating system.
//
// Method (the table-driven scheme of Tang, "Table-driven implementation of the logarithm/exponential
// function in IEEE floating-point arithmetic", ACM TOMS 15 (1989) and 16 (1990), carried out in
// double-double arithmetic, see DoubleDouble):
//   Log: x = 2^k·m with m in [0.7, 1.41]; m = F·(1 + r) where F is the table point (1 + i/128, or
//        half of it) at or below m, and F = 1 on both sides of 1 so log x near 1 loses nothing to
//        cancellation. log x = k·ln2 + log F + log1p(r), log1p(r) = 2·atanh(s), s = r/(2 + r),
//        |s| <= 1/257, by the odd series 2s·(1 + s²/3 + s⁴/5 + ... + s¹⁴/15) (truncation < 2^-120).
//   Exp: x = (64n + j)·ln2/64 + r, |r| <= ln2/128; exp x = 2^n · 2^(j/64) · exp(r), exp(r) by its
//        Taylor series to r¹¹/11! (truncation < 2^-110), the leading terms in double-double.
//   Tables (log F, 2^(j/64)) and the series coefficients are computed once, at start-up, in
//   double-double from series, so they too are the same bits everywhere.
// Accuracy: the double-double value before the final rounding has relative error below about
//   2^-98, and the result is that value rounded to nearest. So the result is the correctly rounded
//   log/exp unless the exact value lies within 2^-98 (relative) of a rounding boundary (then it is
//   still faithful, error < 1 ulp). Results in exp's subnormal range (x < -708.39) are faithful only.
//   Tested against an exact BigInteger oracle and against Math.Log/Math.Exp.
// Cost: about 150-250 flops per call (Math.Log: about 20); measured in bench/Keel.Bench. Log is
//   called once per row for a log target, so its fast path (ElementaryFunctions.Log.cs) answers
//   most calls in plain double arithmetic and comes here only near a rounding boundary. Exp runs
//   once per coefficient and per p-value, never per row, so it has no fast path.

namespace Keel.LinearAlgebra;

/// <summary>Platform-independent, nearly correctly rounded natural logarithm and exponential.</summary>
internal static partial class ElementaryFunctions
{
    // ln 2 as a double-double: 0x3FE62E42FEFA39EF + 0x3C7ABC9E3B39803F.
    private static readonly DoubleDouble Ln2 = new(6.93147180559945286227e-01, 2.31904681384629955842e-17);

    private static readonly DoubleDouble[] LogF = BuildLogTable();
    private static readonly DoubleDouble[] TwoToJOver64 = BuildExpTable();

    // 1/(2k+1) for k = 1..3 and 1/k! for k = 3..5 as double-doubles (1/2 is exact).
    private static readonly DoubleDouble Third = DoubleDouble.Divide(1.0, 3.0);
    private static readonly DoubleDouble Fifth = DoubleDouble.Divide(1.0, 5.0);
    private static readonly DoubleDouble Seventh = DoubleDouble.Divide(1.0, 7.0);
    private static readonly DoubleDouble InvFact3 = DoubleDouble.Divide(1.0, 6.0);
    private static readonly DoubleDouble InvFact4 = DoubleDouble.Divide(1.0, 24.0);
    private static readonly DoubleDouble InvFact5 = DoubleDouble.Divide(1.0, 120.0);

    // Above this exp overflows, below the other it underflows to 0
    // (exp(709.79) and exp(-745.14) are beyond it; between these and the exact boundaries the final
    // scaling overflows to +∞ or rounds to 0 by itself.)
    private const double ExpOverflow = 709.79;
    private const double ExpUnderflow = -745.14;

    /// <summary>
    /// The double-double logarithm: the slow, accurate path that <see cref="Log"/> falls back to near
    /// a rounding boundary. Same special values as Log.
    /// </summary>
    internal static double LogDoubleDouble(double x)
    {
        if (!(x > 0) || double.IsPositiveInfinity(x))
        {
            return x == 0 ? double.NegativeInfinity : x > 0 ? x : double.NaN;
        }

        return LogDoubleDoubleValue(x).Hi;
    }

    /// <summary>
    /// x = 2^k · m exactly for finite x &gt; 0, with m in [1, 2) (subnormals scaled by 2^54 first,
    /// exact); <paramref name="fraction"/> holds m's 52 fraction bits. Shared by both log paths so
    /// they cut x identically.
    /// </summary>
    internal static double SplitBinade(double x, out int k, out long fraction)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        k = (int)(bits >> 52) - 1023;
        if (k == -1023)
        {
            bits = BitConverter.DoubleToInt64Bits(x * 18014398509481984.0); // 2^54
            k = (int)(bits >> 52) - 1023 - 54;
        }

        fraction = bits & ((1L << 52) - 1);
        return BitConverter.Int64BitsToDouble(fraction | 0x3FF0000000000000L);
    }

    /// <summary>log x as a double-double (relative error below about 2^-98), for finite x &gt; 0.</summary>
    internal static DoubleDouble LogDoubleDoubleValue(double x)
    {
        // m in [1, 2) with the same significand as x; i = its top seven fraction bits.
        double m = SplitBinade(x, out int k, out long fraction);
        int i = (int)(fraction >> 45);
        double f;
        int table;
        if (i < 53)
        {
            // m in [1, 1.4140625): F = 1 + i/128, f = m − F exact (same binade).
            table = i;
            f = m - (1.0 + (i / 128.0));
        }
        else
        {
            // m in [1.4140625, 2): use m/2 in [0.707, 1) and k + 1; the last interval takes F = 1.
            m *= 0.5;
            k++;
            if (i == 127)
            {
                table = 0;
                f = m - 1.0;
            }
            else
            {
                table = i;
                f = m - (0.5 + (i / 256.0));
            }
        }

        double big = table == 0 ? 1.0 : table < 53 ? 1.0 + (table / 128.0) : 0.5 + (table / 256.0);

        // r = f/F as a double-double: r1 + (f − r1·F)/F, the remainder exact by FMA.
        double r1 = f / big;
        double r2 = Math.FusedMultiplyAdd(-r1, big, f) / big;
        DoubleDouble log1p = Log1pSmall(new DoubleDouble(r1, r2));

        DoubleDouble kLn2 = DoubleDouble.Multiply(Ln2, k);
        return DoubleDouble.Add(DoubleDouble.Add(kLn2, LogF[table]), log1p);
    }

    /// <summary>Exponential: +∞ above about 709.78, 0 below about −745.13, NaN for NaN.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x > ExpOverflow)
        {
            return double.PositiveInfinity;
        }

        if (x < ExpUnderflow)
        {
            return 0.0;
        }

        // N = round(x·64/ln2); |N| <= 2^16, so N·(ln2/64) is formed exactly in double-double pieces.
        double nearest = Math.Round(x * (64.0 / Ln2.Hi), MidpointRounding.ToEven);
        int bigN = (int)nearest;
        int j = bigN & 63;
        int n = (bigN - j) / 64;

        // r = x − N·ln2/64 in double-double (ln2/64 = Ln2 scaled exactly by 2^-6).
        DoubleDouble product = DoubleDouble.Multiply(new DoubleDouble(Ln2.Hi / 64.0, Ln2.Lo / 64.0), nearest);
        DoubleDouble r = DoubleDouble.Add(DoubleDouble.Negate(product), x);

        DoubleDouble expR = ExpSmall(r);
        DoubleDouble value = DoubleDouble.Multiply(TwoToJOver64[j], expR);
        if (n > -1022)
        {
            // Scaling by a power of two is exact while the result stays normal.
            return Math.ScaleB(value.Hi, n);
        }

        // Subnormal result: one rounding of hi + lo at the scaled exponent (faithful).
        return Math.ScaleB(value.Hi, n) + Math.ScaleB(value.Lo, n);
    }

    // log(1 + r) for |r| <= 1/128 by 2·atanh(s), s = r/(2 + r): 2s·(1 + z·(1/3 + z·(1/5 + z·(1/7 + t)))),
    // z = s² <= 2^-16, the terms z^4/9 .. z^7/15 (t, below 2^-64 relative) in double.
    private static DoubleDouble Log1pSmall(DoubleDouble r)
    {
        if (r.Hi == 0)
        {
            return r;
        }

        DoubleDouble s = DoubleDouble.Divide(r, DoubleDouble.Add(r, 2.0));
        DoubleDouble z = DoubleDouble.Multiply(s, s);
        double zh = z.Hi;
        double t = zh * ((1.0 / 9.0) + (zh * ((1.0 / 11.0) + (zh * ((1.0 / 13.0) + (zh / 15.0))))));
        DoubleDouble q = DoubleDouble.Add(Seventh, t);
        q = DoubleDouble.Add(Fifth, DoubleDouble.Multiply(z, q));
        q = DoubleDouble.Add(Third, DoubleDouble.Multiply(z, q));
        q = DoubleDouble.Multiply(z, q);
        DoubleDouble twoS = new(2.0 * s.Hi, 2.0 * s.Lo);
        return DoubleDouble.Add(twoS, DoubleDouble.Multiply(twoS, q));
    }

    // exp(r) for |r| <= ln2/128 + tiny: 1 + r + r²/2 + r³/6 + r⁴/24 + r⁵/120 in double-double, then
    // r⁶/720 .. r¹¹/11! (below 2^-50 relative) in double.
    private static DoubleDouble ExpSmall(DoubleDouble r)
    {
        double rh = r.Hi;
        double tail = rh * ((1.0 / 720.0) + (rh * ((1.0 / 5040.0) + (rh * ((1.0 / 40320.0) + (rh * ((1.0 / 362880.0) + (rh * ((1.0 / 3628800.0) + (rh / 39916800.0))))))))));
        DoubleDouble p = DoubleDouble.Add(InvFact5, tail);
        p = DoubleDouble.Add(InvFact4, DoubleDouble.Multiply(r, p));
        p = DoubleDouble.Add(InvFact3, DoubleDouble.Multiply(r, p));
        p = DoubleDouble.Add(DoubleDouble.Multiply(r, p), 0.5);
        p = DoubleDouble.Add(DoubleDouble.Multiply(r, p), 1.0);
        p = DoubleDouble.Add(DoubleDouble.Multiply(r, p), 1.0);
        return p;
    }

    // log F for the 128 table points (index 0 is F = 1; 1..52 are 1 + i/128; 53..126 are 0.5 + i/256):
    // 2·atanh((F − 1)/(F + 1)) summed in double-double until the terms vanish.
    private static DoubleDouble[] BuildLogTable()
    {
        var table = new DoubleDouble[128];
        for (int i = 1; i < 127; i++)
        {
            double big = i < 53 ? 1.0 + (i / 128.0) : 0.5 + (i / 256.0);
            table[i] = AtanhSeriesLog(big);
        }

        return table;
    }

    private static DoubleDouble AtanhSeriesLog(double big)
    {
        // F − 1 and F + 1 are exact for these table points.
        DoubleDouble s = DoubleDouble.Divide(big - 1.0, big + 1.0);
        DoubleDouble z = DoubleDouble.Multiply(s, s);
        DoubleDouble power = s;
        DoubleDouble sum = DoubleDouble.Zero;
        for (int k = 0; k < 200; k++)
        {
            DoubleDouble term = DoubleDouble.Divide(power, 2.0 * k + 1.0);
            DoubleDouble next = DoubleDouble.Add(sum, term);
            if (next == sum)
            {
                break;
            }

            sum = next;
            power = DoubleDouble.Multiply(power, z);
        }

        return new DoubleDouble(2.0 * sum.Hi, 2.0 * sum.Lo);
    }

    // 2^(j/64) = exp(j·ln2/64) by its Taylor series in double-double (argument below ln 2).
    private static DoubleDouble[] BuildExpTable()
    {
        var table = new DoubleDouble[64];
        for (int j = 0; j < 64; j++)
        {
            DoubleDouble a = DoubleDouble.Multiply(Ln2, j / 64.0);
            DoubleDouble sum = 1.0;
            DoubleDouble term = 1.0;
            for (int k = 1; k < 200; k++)
            {
                term = DoubleDouble.Divide(DoubleDouble.Multiply(term, a), k);
                DoubleDouble next = DoubleDouble.Add(sum, term);
                if (next == sum)
                {
                    break;
                }

                sum = next;
            }

            table[j] = sum;
        }

        return table;
    }
}
