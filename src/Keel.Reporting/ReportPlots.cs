using Keel.Compression;
using Keel.Model;
using Keel.Results;
using ScottPlot;

namespace Keel.Reporting;

/// <summary>One rendered plot: a PNG, a caption for people, and notes said in words below it.</summary>
internal sealed record ReportFigure(string Title, byte[] Png, string Caption, IReadOnlyList<string> Notes);

/// <summary>
/// The report's plots, drawn by ScottPlot 5 into PNG bytes with the shipped font
/// (<see cref="ReportFont"/>). Each method builds one figure from the fit's own numbers; nothing
/// here computes a statistic the result does not already hold, except interval half-widths.
/// </summary>
internal static class ReportPlots
{
    public const int Width = 960;
    public const int Height = 420;

    /// <summary>Levels labelled on an axis at most; past this the axis shows positions only.</summary>
    private const int MaxLabelledLevels = 40;

    /// <summary>Points drawn at most in a scatter (a deterministic every-k-th subsample beyond).</summary>
    private const int MaxScatterPoints = 20000;

    private static readonly Color Estimated = Color.FromHex("#1f5fa8");
    private static readonly Color Muted = Color.FromHex("#888888");
    private static readonly Color Alarm = Color.FromHex("#c0392b");

    /// <summary>
    /// Estimates of one term's coefficients with 95% confidence intervals (estimate ± t·se), sorted
    /// by estimate; the reference level at 0 as a hollow marker; aliased ones at the end as shaded
    /// gaps (no estimate exists), each explained in the notes.
    /// </summary>
    /// <param name="normal">Intervals from the normal quantile (likelihood fits: z statistics) instead of Student's t.</param>
    public static ReportFigure Coefficients(string term, IReadOnlyList<CoefficientResult> columns, long? dfResidual, bool normal = false)
    {
        double t = normal ? NormalQuantile975 : dfResidual is { } df && df > 0 ? StudentQuantile975(df) : double.NaN;
        var shown = columns.Where(c => c.Status != CoefficientStatus.Aliased).OrderBy(c => c.Estimate ?? 0).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        var aliased = columns.Where(c => c.Status == CoefficientStatus.Aliased).ToList();
        Plot plot = NewPlot($"{term}: estimates with 95% intervals", string.Empty, "estimate");
        var labels = new List<string>();
        var xs = new List<double>();
        var ys = new List<double>();
        var errors = new List<double>();
        for (int i = 0; i < shown.Count; i++)
        {
            CoefficientResult c = shown[i];
            labels.Add(c.Level ?? c.Name);
            if (c.Status == CoefficientStatus.Reference)
            {
                plot.Add.Marker(i, 0, MarkerShape.OpenCircle, 9, Muted);
                continue;
            }

            xs.Add(i);
            ys.Add(c.Estimate ?? 0);
            errors.Add(c.StdError is { } se && double.IsFinite(t) ? t * se : 0);
        }

        if (xs.Count > 0)
        {
            var bars = plot.Add.ErrorBar(xs, ys, errors);
            bars.Color = Estimated;
            plot.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, xs.Count > 200 ? 3 : 6, Estimated);
        }

        for (int k = 0; k < aliased.Count; k++)
        {
            double x = shown.Count + k;
            labels.Add(aliased[k].Level ?? aliased[k].Name);
            var span = plot.Add.HorizontalSpan(x - 0.4, x + 0.4, Alarm.WithAlpha(0.18));
            span.LineStyle.Width = 0;
        }

        plot.Add.HorizontalLine(0, 1, Muted, LinePattern.Dashed);
        LabelPositions(plot, labels);
        var notes = new List<string>();
        if (aliased.Count > 0)
        {
            notes.Add($"{aliased.Count} aliased column(s), shown as shaded gaps at the right: the data cannot separate them from other columns, so they have no estimate.");
            notes.AddRange(aliased.Take(12).Select(c => c.AliasExplanation ?? $"{c.Name} is aliased"));
            if (aliased.Count > 12)
            {
                notes.Add($"... and {aliased.Count - 12} more (all in the result JSON).");
            }
        }

        if (!double.IsFinite(t))
        {
            notes.Add("No intervals: there are no residual degrees of freedom or no standard errors.");
        }
        else if (shown.Any(c => c.Status == CoefficientStatus.Estimated) && shown.All(c => c.StdError is null))
        {
            notes.Add("No intervals: this solver did not provide standard errors.");
        }

        string caption = $"{columns.Count} column(s) of {term}, sorted by estimate; bars are estimate ± {t:0.###}·std. error; hollow marker: the reference level (0 by construction).";
        return Figure(plot, $"Coefficients: {term}", caption, notes);
    }

    /// <summary>Belsley's condition indexes (log scale), with the customary thresholds 30 and 100.</summary>
    public static ReportFigure ConditionIndexes(double[] indexes)
    {
        Plot plot = NewPlot("Condition indexes of the kept, unit-length columns", "singular value (largest first)", "log10 condition index");
        double[] logs = indexes.Select(v => double.IsFinite(v) && v > 0 ? Math.Log10(v) : 0).ToArray();
        var bars = plot.Add.Bars(Enumerable.Range(1, logs.Length).Select(i => (double)i).ToArray(), logs);
        bars.Color = Estimated;
        plot.Add.HorizontalLine(Math.Log10(30), 1, Color.FromHex("#d68910"), LinePattern.Dashed);
        plot.Add.HorizontalLine(Math.Log10(100), 1, Alarm, LinePattern.Dashed);
        plot.Axes.Margins(bottom: 0);
        int over30 = indexes.Count(v => v > 30);
        var notes = new List<string>
        {
            over30 == 0
                ? "Every condition index is below 30: no near-dependency among the kept columns worth a mention (Belsley, Kuh & Welsch 1980)."
                : $"{over30} condition index(es) exceed 30 (dashed orange; 100 in red): each marks a near-dependency among the kept columns that inflates the variance of the coefficients involved.",
        };
        return Figure(plot, "Scaled singular values", $"{indexes.Length} condition indexes sigma_max/sigma_j of the kept design with columns scaled to unit length; the largest is the scaled condition number.", notes);
    }

    /// <summary>Residual of each cell's mean against its fitted value.</summary>
    public static ReportFigure Residuals(Design design, double[] fittedByCell)
    {
        int cells = design.CellCount;
        int step = Math.Max(1, (cells + MaxScatterPoints - 1) / MaxScatterPoints);
        var xs = new List<double>();
        var ys = new List<double>();
        for (int c = 0; c < cells; c += step)
        {
            xs.Add(fittedByCell[c]);
            ys.Add(design.CellMean[c] - fittedByCell[c]);
        }

        Plot plot = NewPlot("Residuals against fitted values, per cell", "fitted mean of the cell", "cell mean − fitted");
        plot.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 3, Estimated.WithAlpha(0.5));
        plot.Add.HorizontalLine(0, 1, Muted, LinePattern.Dashed);
        string caption = $"One point per cell (combination of regressor values){(step > 1 ? $", every {step}th of {cells:N0} cells" : $", {cells:N0} cells")}. Cells of many rows sit closer to 0 by nature; a curve or a funnel suggests a missing term or a transform.";
        return Figure(plot, "Residuals vs fitted", caption, []);
    }

    /// <summary>
    /// Deviance residuals of a likelihood fit, one per cell, against the fitted mean:
    /// sign(ȳ − μ)·√d, d the cell's deviance contribution 2W·[ȳ log(ȳ/μ) − (ȳ − μ)] (poisson) or
    /// 2W·[ȳ log(ȳ/μ) + (1 − ȳ) log((1 − ȳ)/(1 − μ))] (binomial) (McCullagh &amp; Nelder 1989, §2.4.3),
    /// so the squares add up to the grouped deviance.
    /// </summary>
    public static ReportFigure DevianceResiduals(Design design, double[] meanByCell, Keel.Solvers.Glm.GlmFamily family)
    {
        int cells = design.CellCount;
        int step = Math.Max(1, (cells + MaxScatterPoints - 1) / MaxScatterPoints);
        var xs = new List<double>();
        var ys = new List<double>();
        for (int c = 0; c < cells; c += step)
        {
            double mu = meanByCell[c];
            double mean = design.CellMean[c];
            double d = Keel.Solvers.Glm.GlmFamilies.CellDeviance(family, mean, design.CellWeight[c], mu);
            if (!double.IsFinite(mu) || !double.IsFinite(d) || design.CellWeight[c] <= 0)
            {
                continue; // separated cells sit at the boundary (μ = 0 or 1) and are out of the fit
            }

            xs.Add(mu);
            ys.Add(Math.Sign(mean - mu) * Math.Sqrt(Math.Max(0, d)));
        }

        string name = Keel.Solvers.Glm.GlmFamilies.Name(family);
        Plot plot = NewPlot("Deviance residuals against fitted means, per cell", $"fitted {(family == Keel.Solvers.Glm.GlmFamily.Binomial ? "probability" : "rate")} of the cell", "deviance residual");
        plot.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 3, Estimated.WithAlpha(0.5));
        plot.Add.HorizontalLine(0, 1, Muted, LinePattern.Dashed);
        string caption = $"One point per cell, {name} deviance residual sign(ȳ − μ)·√d{(step > 1 ? $", every {step}th of {cells:N0} cells" : $", {cells:N0} cells")}; their squares add up to the deviance of the cells. Cells of many rows spread wider by nature (the residual grows with √rows); a trend or a funnel against the fitted mean suggests a missing term or overdispersion (consider --cluster standard errors).";
        return Figure(plot, "Deviance residuals vs fitted", caption, []);
    }

    /// <summary>Rows per level of one categorical column; many levels sorted by count.</summary>
    public static ReportFigure LevelCounts(KeyColumn column, long[] rowsByCode)
    {
        bool labelled = column.Count <= MaxLabelledLevels;
        int[] order = labelled ? Enumerable.Range(0, column.Count).ToArray() : Enumerable.Range(0, column.Count).OrderByDescending(i => rowsByCode[i]).ToArray();
        Plot plot = NewPlot($"Rows per level of {column.Name}", labelled ? string.Empty : "levels, most rows first", "rows");
        var bars = plot.Add.Bars(order.Select(i => (double)rowsByCode[i]).ToArray());
        bars.Color = Estimated;
        plot.Axes.Margins(bottom: 0);
        if (labelled)
        {
            LabelPositions(plot, order.Select(i => column.Labels[i]).ToList());
        }

        int singletons = rowsByCode.Count(n => n == 1);
        var notes = new List<string>();
        if (singletons > 0)
        {
            notes.Add($"{singletons} level(s) of {column.Name} occur in exactly one row: their coefficients rest on a single observation.");
        }

        return Figure(plot, $"Counts: {column.Name}", $"{column.Count:N0} levels, {rowsByCode.Sum():N0} rows.", notes);
    }

    /// <summary>LSMR's estimate of ‖Aᵀr‖ per iteration (log scale).</summary>
    public static ReportFigure Convergence(double[] normArByIteration, double? tolerance)
    {
        Plot plot = NewPlot("LSMR convergence", "iteration", "log10 ‖Aᵀr‖ (estimate)");
        double[] xs = Enumerable.Range(1, normArByIteration.Length).Select(i => (double)i).ToArray();
        double[] ys = normArByIteration.Select(v => v > 0 && double.IsFinite(v) ? Math.Log10(v) : double.NaN).ToArray();
        var line = plot.Add.ScatterLine(xs, ys);
        line.Color = Estimated;
        line.LineWidth = 2;
        string caption = $"{normArByIteration.Length} iterations of LSMR (Fong & Saunders 2011); it stops when ‖Aᵀr‖ ≤ atol·‖A‖·‖r‖{(tolerance is { } tol ? $" with atol = {tol:G3}" : string.Empty)}.";
        return Figure(plot, "Solver convergence", caption, []);
    }

    /// <summary>t_{0.975}(df) by bisection on the two-sided p-value (display only).</summary>
    /// <summary>The normal distribution's 0.975 quantile.</summary>
    internal const double NormalQuantile975 = 1.9599639845400536;

    internal static double StudentQuantile975(double df)
    {
        double lo = 0, hi = 1000;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (StudentT.TwoSidedP(mid, df) > 0.05)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        ReportFont.Register();
        var plot = new Plot();
        plot.Font.Set(ReportFont.Name);
        plot.Title(title, 15);
        plot.XLabel(xLabel, 13);
        plot.YLabel(yLabel, 13);
        return plot;
    }

    private static void LabelPositions(Plot plot, List<string> labels)
    {
        if (labels.Count == 0 || labels.Count > MaxLabelledLevels)
        {
            return;
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.Select(l => l.Length > 18 ? l[..17] + "…" : l).ToArray());
        if (labels.Count > 8 || labels.Any(l => l.Length > 6))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 70;
        }
    }

    private static ReportFigure Figure(Plot plot, string title, string caption, IReadOnlyList<string> notes) =>
        new(title, plot.GetImageBytes(Width, Height, ImageFormat.Png), caption, notes);
}
