// p-values of Student's t and Fisher's F, written into the result JSON.
//
// Method: the regularized incomplete beta function I_x(a, b) by its continued fraction
// (Abramowitz & Stegun 26.5.8) evaluated with the modified Lentz method (Press et al., Numerical
// Recipes, 3rd ed., §6.4), its front factor x^a·(1−x)^b/(a·B(a, b)) from log-gamma by Lanczos's
// approximation (g = 7, n = 9; Lanczos, SIAM J. Numer. Anal. B 1 (1964)).
// Reproducibility: only +, −, ×, / (correctly rounded by IEEE 754) and Keel's own
// ElementaryFunctions.Log/Exp, never Math.Log/Exp/Pow, whose last bits depend on the C library; so a
// p-value has the same bits on every CPU, runtime setting and operating system. 1 − x is passed in
// exactly where the caller can form it (t²/(df + t²) for t) rather than rounded from x.
// Accuracy: relative error about 1e-15·(1 + |ln Γ(a + b)| + |ln Γ(a)| + |ln Γ(b)|) from the
// cancellation in the front factor's log-gammas (Lanczos is good to about 1e-15 relative in Γ), so
// about 1e-9 relative at df = 1e6; p-values are shown to 3 digits.

using Keel.LinearAlgebra;

namespace Keel.Results;

/// <summary>
/// Two-sided p-values of Student's t and upper tails of F, through the regularized incomplete
/// beta function; platform-independent bits (see the file header).
/// </summary>
internal static class StudentT
{
    /// <summary>P(|T| > |t|) for T ~ t(df).</summary>
    public static double TwoSidedP(double t, double df)
    {
        if (!double.IsFinite(t) || df <= 0)
        {
            return double.NaN;
        }

        double denominator = df + (t * t);
        return RegularizedBeta(df / 2, 0.5, df / denominator, t * t / denominator);
    }

    /// <summary>
    /// P(|Z| > |z|) for Z ~ N(0, 1): the Wald test of a likelihood fit (R's summary.glm with dispersion 1).
    /// Equal to P(χ²₁ > z²) = Q(1/2, z²/2), the regularized upper incomplete gamma function, by its
    /// series (x &lt; 1.5) or its continued fraction (Numerical Recipes, 3rd ed., §6.2, gser and gcf).
    /// </summary>
    public static double TwoSidedNormalP(double z)
    {
        if (!double.IsFinite(z))
        {
            return double.IsNaN(z) ? double.NaN : 0.0;
        }

        const double a = 0.5;
        const double logGammaHalf = 0.5723649429247001; // ln Γ(1/2) = ½ ln π
        double x = z * z / 2;
        if (x == 0)
        {
            return 1.0;
        }

        double front = (a * ElementaryFunctions.Log(x)) - x - logGammaHalf;
        if (x < a + 1)
        {
            // P(a, x) = e^front · Σ x^n / (a (a+1) ... (a+n)).
            double term = 1 / a, sum = term;
            for (int n = 1; n < 500; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-17)
                {
                    break;
                }
            }

            return 1 - (ElementaryFunctions.Exp(front) * sum);
        }

        // Q(a, x) by the modified Lentz evaluation of the continued fraction.
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (int i = 1; i < 500; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = b + (an / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < 1e-16)
            {
                break;
            }
        }

        return ElementaryFunctions.Exp(front) * h;
    }

    /// <summary>P(F > f) for F ~ F(df1, df2): I_{df2/(df2 + df1·f)}(df2/2, df1/2).</summary>
    public static double FUpperTail(double f, double df1, double df2)
    {
        if (!(f >= 0) || df1 <= 0 || df2 <= 0)
        {
            return double.NaN;
        }

        double denominator = df2 + (df1 * f);
        return RegularizedBeta(df2 / 2, df1 / 2, df2 / denominator, df1 * f / denominator);
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function.</summary>
    internal static double RegularizedBeta(double a, double b, double x) => RegularizedBeta(a, b, x, 1 - x);

    /// <summary>I_x(a, b) with <paramref name="y"/> = 1 − x supplied (more accurate when x is near 1).</summary>
    internal static double RegularizedBeta(double a, double b, double x, double y)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1 || y <= 0)
        {
            return 1;
        }

        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * ElementaryFunctions.Log(x)) + (b * ElementaryFunctions.Log(y));
        return x < (a + 1) / (a + b + 2)
            ? ElementaryFunctions.Exp(lnFront) * ContinuedFraction(a, b, x) / a
            : 1 - (ElementaryFunctions.Exp(lnFront) * ContinuedFraction(b, a, y) / b);
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - ((a + b) * x / (a + 1));
        d = Math.Abs(d) < tiny ? tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
            d = 1 + (aa * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = 1 + (aa / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < 1e-15)
            {
                break;
            }
        }

        return h;
    }

    // ½·ln(2π) rounded to nearest (Python: float(mpmath.log(2*mpmath.pi)/2) with mp.prec = 200).
    private const double HalfLogTwoPi = 0.9189385332046728;

    // Lanczos approximation (g = 7, n = 9), accurate to about 1e-15 for x > 0.
    internal static double LogGamma(double x)
    {
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < 9; i++)
        {
            sum += g[i] / (x + i);
        }

        double t = x + 7.5;
        return HalfLogTwoPi + ((x + 0.5) * ElementaryFunctions.Log(t)) - t + ElementaryFunctions.Log(sum);
    }
}
