// The fast path of Keel's natural logarithm: plain IEEE double arithmetic, then Ziv's rounding test.
//
// Why: a log(y) target calls Log once per row; the double-double algorithm (LogDoubleDouble) costs
// about 0.7 µs a call. This path answers almost every call with about 60 double operations and
// returns exactly the bits LogDoubleDouble returns.
//
// Method: the table-driven reduction of Tang, "Table-driven implementation of the logarithm
// function in IEEE floating-point arithmetic", ACM TOMS 16 (1990), with the same 128 table points F
// as LogDoubleDouble (F = 1 on both sides of 1):
//   x = 2^k·m, m = F·(1 + r), r = f/F with f = m − F exact, |r| < 2^-7;
//   log x = k·ln2 + log F + log1p(r), log1p(r) = r − r²/2 + r³·(1/3 − r/4 + ... + r⁸/11).
// Every product that needs more than 53 bits is formed exactly with Dekker's splitting (Dekker,
// Numer. Math. 18, 1971), never with FMA, so only +, −, × (all correctly rounded by IEEE 754) and
// one table look-up are used: the same bits on every CPU, vector width and JIT setting.
//   r = r_hi + r_lo: r_hi = f·(1/F), the remainder f − r_hi·F exact (F has 8 significant bits);
//   r_hi² exact as q_hi + q_lo; k·ln2_hi exact (ln2_hi has 42 bits, |k| <= 1075);
//   log F from the double-double table of LogDoubleDouble; the leading terms are added with TwoSum,
//   the small ones in double.
// Error bound (relative, before the final rounding): the cubic-and-higher terms carry at most
// 3·2^-53·|r|³/3 <= 2^-66·|log x| (|log x| >= |r|/2 when F = 1, >= 2^-8 otherwise, and k != 0 gives
// |log x| >= 0.34), the omitted r_lo·r_hi² and series tail below 2^-72, the double-double table
// and ln2 below 2^-95, the additions of the small terms below 2^-100: in all below 2^-65.
// The test LogFastPathErrorBound measures the largest error on a million inputs against
// LogDoubleDouble (2^-98) and requires it below 2^-64.
// Rounding (Ziv's strategy, Ziv, ACM TOMS 17, 1991): with v the exact log and rh + rl the fast
// value, |v − (rh + rl)| <= 2^-64·|v|. If rh + (rl − b) and rh + (rl + b), b = 2^-62·|rh|, both round
// to rh, then so does v (rounding to nearest is monotone and v lies between them; log of a double
// other than 1 is never a midpoint, by Lindemann's theorem), so rh is the correctly rounded log x.
// Otherwise (about one call in 500) LogDoubleDouble decides. So Log equals LogDoubleDouble bit for
// bit wherever that one is correctly rounded, i.e. unless log x lies within 2^-98 of a midpoint, and
// there the fast path always falls back (its window is far wider), so they are equal everywhere.
// Cost: about 60 flops and two predictable branches; measured in docs/benchmarks.md.

namespace Keel.LinearAlgebra;

internal static partial class ElementaryFunctions
{
    // Veltkamp's splitter 2^27 + 1: a = hi + lo with hi, lo of at most 26 bits each (|a| < 2^996).
    private const double Splitter = 134217729.0;

    // ln 2 = Ln2Hi + Ln2Lo (error 2e-31) with Ln2Hi = 0x1.62e42fefa3800p-1, the leading 42 bits, so
    // k·Ln2Hi is exact for |k| < 2^11. Literals, not derived from Ln2: static initialisers in two
    // partial files run in an unspecified order.
    private const double Ln2Hi = 0.6931471805598903;
    private const double Ln2Lo = 5.497923018708371e-14;

    // 1/F for the 128 table points, rounded to nearest (index as in LogDoubleDouble; index 0 is F = 1).
    private static readonly double[] InverseF = BuildInverseTable();

    private static readonly double RoundingWindow = Math.ScaleB(1.0, -62);

    /// <summary>
    /// Natural logarithm, correctly rounded (see the header for the one caveat inherited from
    /// LogDoubleDouble): NaN below 0 and for NaN, −∞ at ±0, +∞ at +∞. The same bits on every platform.
    /// </summary>
    public static double Log(double x)
    {
        if (!(x > 0) || double.IsPositiveInfinity(x))
        {
            return x == 0 ? double.NegativeInfinity : x > 0 ? x : double.NaN;
        }

        LogFastPath(x, out double rh, out double rl);

        // Ziv's test: both ends of the error window round to rh.
        double b = Math.Abs(rh) * RoundingWindow;
        if (rh + (rl - b) == rh && rh + (rl + b) == rh)
        {
            return rh;
        }

        return LogDoubleDouble(x);
    }

    /// <summary>log x ≈ rh + rl with relative error below 2^-64, for finite x &gt; 0 (normalised: rh = fl(rh + rl)).</summary>
    internal static void LogFastPath(double x, out double rh, out double rl)
    {
        double m = SplitBinade(x, out int k, out long fraction);
        int table = (int)(fraction >> 45);
        double f;
        if (table < 53)
        {
            // m in [1, 1.4140625): F = 1 + table/128, f = m − F exact (same binade).
            f = m - (1.0 + (table / 128.0));
        }
        else
        {
            // m/2 in [0.707, 1) with k + 1; the last interval takes F = 1 (f exact by Sterbenz).
            m *= 0.5;
            k++;
            if (table == 127)
            {
                table = 0;
                f = m - 1.0;
            }
            else
            {
                f = m - (0.5 + (table / 256.0));
            }
        }

        // r = f/F = rHi + rLo. F = 1: r = f exactly. Otherwise rHi = f·(1/F) and the remainder
        // f − rHi·F is formed exactly: F has 8 significant bits, so rHi's 26-bit halves times F are
        // exact, f − hi·F is exact by Sterbenz, and the remainder (below 2^-51·|f|) is representable.
        double rHi, rLo, rHiHigh, rHiLow;
        if (table == 0)
        {
            rHi = f;
            rLo = 0.0;
            Split(rHi, out rHiHigh, out rHiLow);
        }
        else
        {
            double big = table < 53 ? 1.0 + (table / 128.0) : 0.5 + (table / 256.0);
            double inverse = InverseF[table];
            rHi = f * inverse;
            Split(rHi, out rHiHigh, out rHiLow);
            double remainder = (f - (rHiHigh * big)) - (rHiLow * big);
            rLo = remainder * inverse;
        }

        // rHi² = qHi + qLo exactly (Dekker's product from the halves above).
        double qHi = rHi * rHi;
        double qLo = (((rHiHigh * rHiHigh) - qHi) + (2.0 * rHiHigh * rHiLow)) + (rHiLow * rHiLow);

        // r³·(1/3 − r/4 + r²/5 − ... + r⁸/11) in double: below 2^-21/3, needs only relative 2^-45.
        double poly = (1.0 / 3.0) + (rHi * ((-1.0 / 4.0) + (rHi * ((1.0 / 5.0) + (rHi * ((-1.0 / 6.0) + (rHi * ((1.0 / 7.0)
            + (rHi * ((-1.0 / 8.0) + (rHi * ((1.0 / 9.0) + (rHi * ((-1.0 / 10.0) + (rHi * (1.0 / 11.0))))))))))))))));
        double cubic = qHi * rHi * poly;

        // Leading terms with TwoSum: k·ln2_hi (exact) + log F_hi + r_hi − q_hi/2 (exact halving).
        DoubleDouble logF = LogF[table];
        DoubleDouble s1 = DoubleDouble.TwoSum(k * Ln2Hi, logF.Hi);
        DoubleDouble s2 = DoubleDouble.TwoSum(s1.Hi, rHi);
        DoubleDouble s3 = DoubleDouble.TwoSum(s2.Hi, -0.5 * qHi);

        // Small terms: the TwoSum errors, k·ln2_lo, log F_lo, and log1p's r_lo/(1 + r_hi) − q_lo/2 + cubic.
        double small = (k * Ln2Lo) + logF.Lo + (rLo * (1.0 - (rHi * (1.0 - rHi)))) - (0.5 * qLo) + cubic;
        double lo = ((s1.Lo + s2.Lo) + s3.Lo) + small;

        DoubleDouble result = DoubleDouble.FastTwoSum(s3.Hi, lo);
        rh = result.Hi;
        rl = result.Lo;
    }

    // Veltkamp's split: a = hi + lo exactly, hi with at most 26 significant bits, lo with 27.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Split(double a, out double hi, out double lo)
    {
        double c = Splitter * a;
        hi = c - (c - a);
        lo = a - hi;
    }

    private static double[] BuildInverseTable()
    {
        var table = new double[128];
        for (int i = 0; i < 127; i++)
        {
            double big = i == 0 ? 1.0 : i < 53 ? 1.0 + (i / 128.0) : 0.5 + (i / 256.0);
            table[i] = 1.0 / big;
        }

        table[127] = 1.0; // index 127 is mapped to 0 before the look-up
        return table;
    }
}
