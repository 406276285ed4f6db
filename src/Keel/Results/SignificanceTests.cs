namespace Keel.Results;

/// <summary>An F test: the statistic, its degrees of freedom and the upper-tail p-value.</summary>
internal sealed record FTest(double F, long Df1, long Df2, double P);

/// <summary>
/// The overall F test and the lack-of-fit F test of a fit, from the sums of squares the result
/// holds. Reference: Draper &amp; Smith, Applied Regression Analysis (3rd ed.), §1.3 (overall F)
/// and §2.1 (lack of fit against pure error); the p-value is the upper tail of F(d1, d2),
/// P(F > f) = I_{d2/(d2 + d1·f)}(d2/2, d1/2) (Abramowitz &amp; Stegun 26.6.2). For display only.
/// </summary>
internal static class SignificanceTests
{
    /// <summary>
    /// H0: every coefficient but the intercept is 0. F = ((TSS − RSS)/d1)/(RSS/d2) with d1 = rank
    /// − 1 with an intercept (TSS about the mean) or rank without one (TSS about 0, as R does).
    /// </summary>
    public static FTest? Overall(FitResult r)
    {
        bool hasIntercept = r.Coefficients.Any(c => c.Term == "(Intercept)");
        long df1 = r.Rank - (hasIntercept ? 1 : 0);
        if (r.Rss is not { } rss || r.Tss is not { } tss || r.DfResidual is not { } df2 || df1 <= 0 || df2 <= 0 || !(rss > 0))
        {
            return null;
        }

        double f = (Math.Max(tss - rss, 0) / df1) / (rss / df2);
        return new FTest(f, df1, df2, UpperTail(f, df1, df2));
    }

    /// <summary>
    /// Lack of fit against the cell-means model (one mean per combination of regressor values):
    /// RSS = pure error (within cells, rows − cells degrees of freedom) + lack of fit (cells − rank).
    /// A small p-value says the model misses structure the cell means show. Needs cells with
    /// several rows (pure error degrees of freedom) and more cells than parameters.
    /// </summary>
    public static FTest? LackOfFit(FitResult r)
    {
        long dfPure = r.Rows - r.Cells;
        long dfLack = r.Cells - r.Rank;
        if (r.Rss is not { } rss || r.PureErrorSs is not { } pure || r.CellsWithReplicates == 0 || dfPure <= 0 || dfLack <= 0 || !(pure > 0))
        {
            return null;
        }

        double f = (Math.Max(rss - pure, 0) / dfLack) / (pure / dfPure);
        return new FTest(f, dfLack, dfPure, UpperTail(f, dfLack, dfPure));
    }

    /// <summary>P(F > f) for F ~ F(d1, d2).</summary>
    public static double UpperTail(double f, double d1, double d2) =>
        !double.IsFinite(f) ? 0.0 : f <= 0 ? 1.0 : StudentT.RegularizedBeta(d2 / 2, d1 / 2, d2 / (d2 + (d1 * f)));

    /// <summary>A p-value as R prints it: 3 significant digits, "&lt; 2.2e-16" below machine epsilon.</summary>
    public static string FormatP(double? p) => p switch
    {
        null => "NA",
        double x when double.IsNaN(x) => "NA",
        < 2.220446049250313e-16 => "< 2.2e-16",
        < 1e-4 => p.Value.ToString("0.##e-00", System.Globalization.CultureInfo.InvariantCulture),
        double x => x.ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>R's significance codes: *** &lt; 0.001 &lt; ** &lt; 0.01 &lt; * &lt; 0.05 &lt; . &lt; 0.1.</summary>
    public static string Stars(double? p) => p switch
    {
        null => string.Empty,
        < 0.001 => "***",
        < 0.01 => "**",
        < 0.05 => "*",
        < 0.1 => ".",
        _ => string.Empty,
    };
}
