namespace Keel.Results;

/// <summary>
/// Two-sided p-values of Student's t, through the regularized incomplete beta function
/// I_x(a, b) evaluated by its continued fraction with the modified Lentz method
/// (Abramowitz &amp; Stegun 26.5.8; Press et al., Numerical Recipes, §6.4). For display only.
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

        double x = df / (df + (t * t));
        return RegularizedBeta(df / 2, 0.5, x);
    }

    /// <summary>P(F > f) for F ~ F(df1, df2): I_{df2/(df2 + df1·f)}(df2/2, df1/2).</summary>
    public static double FUpperTail(double f, double df1, double df2)
    {
        if (!(f >= 0) || df1 <= 0 || df2 <= 0)
        {
            return double.NaN;
        }

        return RegularizedBeta(df2 / 2, df1 / 2, df2 / (df2 + (df1 * f)));
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function.</summary>
    internal static double RegularizedBeta(double a, double b, double x)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(lnFront) * ContinuedFraction(a, b, x) / a
            : 1 - (Math.Exp(lnFront) * ContinuedFraction(b, a, 1 - x) / b);
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

    // Lanczos approximation (g = 7, n = 9), accurate to about 1e-15 for x > 0.
    private static double LogGamma(double x)
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
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
