using System.Globalization;
using System.Net;
using System.Text;
using Keel.Model;
using Keel.Results;
using Keel.Solvers;

namespace Keel.Reporting;

/// <summary>What the report is made of: the result and, for the plots, the design and solution behind it.</summary>
internal sealed record ReportInput(FitResult Result, Design Design, LeastSquaresSolution? Solution, double[]? FittedByCell);

/// <summary>
/// The HTML report (`keel fit ... --report FILE.html`): one self-contained file — inline CSS, the
/// plots as base64 PNGs, no script and no network — with the fit in words first (warnings,
/// aliasing, conditioning), then the plots, then the full text summary.
/// </summary>
internal static class HtmlReport
{
    /// <summary>Terms plotted one by one at most (the rest are in the summary and the JSON).</summary>
    private const int MaxTermPlots = 12;

    /// <summary>Categorical columns whose level counts are plotted at most.</summary>
    private const int MaxCountPlots = 8;

    /// <summary>Renders the report and writes it atomically (<see cref="AtomicFile"/>).</summary>
    public static void Write(string path, ReportInput input, CancellationToken cancel = default)
    {
        string html = Render(input);
        AtomicFile.Write(path, "--report", stream => stream.Write(new UTF8Encoding(false).GetBytes(html)), cancel);
    }

    public static string Render(ReportInput input)
    {
        FitResult r = input.Result;
        var s = new StringBuilder();
        s.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Keel report: ").Append(E(r.Formula)).Append("</title>\n");
        s.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        s.Append("<h1>Keel report</h1>\n<p class=\"formula\"><code>").Append(E(r.Formula)).Append("</code></p>\n");
        if (r.Glm is { } glm)
        {
            AppendGlmFacts(s, r, glm);
        }
        else
        {
            AppendFacts(s, r);
        }

        AppendWarnings(s, r);
        AppendDiagnostics(s, r);
        if (r.Glm is not null)
        {
            AppendGlmTable(s, r);
        }

        s.Append("<h2>Plots</h2>\n");
        foreach (ReportFigure figure in Figures(input))
        {
            AppendFigure(s, figure);
        }

        s.Append("<h2>Summary</h2>\n<pre>").Append(E(SummaryText.Render(r, diagnoseOnly: false))).Append("</pre>\n");
        s.Append("<p class=\"foot\">Keel ").Append(E(ResultJson.Version)).Append(" · fingerprint <code>")
            .Append(E(Fingerprint.Of(r.Coefficients.Select(c => c.Estimate)))).Append("</code></p>\n</body>\n</html>\n");
        return s.ToString();
    }

    /// <summary>Every plot of the report, in reading order.</summary>
    public static List<ReportFigure> Figures(ReportInput input)
    {
        FitResult r = input.Result;
        var figures = new List<ReportFigure>();
        foreach (var term in r.Coefficients.Where(c => c.Term != "(Intercept)").GroupBy(c => c.Term).Where(g => g.Count() > 1).Take(MaxTermPlots))
        {
            figures.Add(ReportPlots.Coefficients(term.Key, term.ToList(), r.DfResidual, normal: r.Glm is not null));
        }

        var single = r.Coefficients.Where(c => c.Term != "(Intercept)").GroupBy(c => c.Term).Where(g => g.Count() == 1).SelectMany(g => g).ToList();
        if (single.Count > 0)
        {
            figures.Add(ReportPlots.Coefficients("continuous terms", single, r.DfResidual, normal: r.Glm is not null));
        }

        if (input.Solution?.ConditionIndexes is { Length: > 0 } indexes)
        {
            figures.Add(ReportPlots.ConditionIndexes(indexes));
        }

        if (input.FittedByCell is { } fitted)
        {
            // A likelihood fit's fitted values are the cells' means μ (its FitOutcome's FittedByCell).
            figures.Add(r.Glm is { } glm ? ReportPlots.DevianceResiduals(input.Design, fitted, glm.Family) : ReportPlots.Residuals(input.Design, fitted));
        }

        var cells = input.Design.Cells;
        var categorical = input.Design.TermCodings.SelectMany(t => t).Where(f => f.IsCategorical).Select(f => f.Column).Distinct(StringComparer.Ordinal).Take(MaxCountPlots);
        foreach (string name in categorical)
        {
            int j = Array.FindIndex(cells.KeyColumns, k => k.Name == name);
            var rowsByCode = new long[cells.KeyColumns[j].Count];
            for (int c = 0; c < cells.CellCount; c++)
            {
                rowsByCode[cells.Code(c, j)] += cells.RowCount[c];
            }

            figures.Add(ReportPlots.LevelCounts(cells.KeyColumns[j], rowsByCode));
        }

        if (input.Solution?.ConvergenceHistory is { Length: > 0 } history)
        {
            figures.Add(ReportPlots.Convergence(history, r.Tolerance));
        }

        return figures;
    }

    private static void AppendFacts(StringBuilder s, FitResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        s.Append("<table class=\"facts\">\n");
        Row(s, "Data", string.Create(inv, $"{r.Rows:N0} rows in {r.Cells:N0} cells ({r.CellsWithReplicates:N0} with repeated rows); {r.DroppedRows:N0} rows dropped"));
        Row(s, "Solver", $"{r.SolverName} — {r.SolverReason}{(r.Converged ? string.Empty : " — did not converge")}");
        Row(s, "Parameters", string.Create(inv, $"{r.Parameters}, rank {r.Rank}"));
        Row(s, "Scaled condition number", r.ConditionNumber is { } k ? string.Create(inv, $"{k:G4} ({r.ConditionMethod})") : $"not available ({r.ConditionMethod})");
        Row(s, "R² / adjusted R²", string.Create(inv, $"{F(r.RSquared)} / {F(r.AdjRSquared)}"));
        Row(s, "Residual standard error", string.Create(inv, $"{F(r.Sigma)} on {r.DfResidual} degrees of freedom"));
        if (r.ModelF is { } f)
        {
            Row(s, "F test (all but the intercept are 0)", string.Create(inv, $"F = {f.F:G6} on {f.Df1} and {f.Df2} DF, p {P(f.PValue)}"));
        }

        Row(s, "Residual sum of squares", string.Create(inv, $"{F(r.Rss)}, of which pure error (within cells) {F(r.PureErrorSs)}"));
        Row(s, "Lack of fit (against the cell means)", r.LackOfFit is { } lack
            ? string.Create(inv, $"F = {lack.F:G6} on {lack.Df1} and {lack.Df2} DF, p {P(lack.PValue)}")
            : "not testable: needs cells with repeated rows and more cells than parameters");
        s.Append("</table>\n");
    }

    private static void AppendGlmFacts(StringBuilder s, FitResult r, GlmReport glm)
    {
        var inv = CultureInfo.InvariantCulture;
        string family = Keel.Solvers.Glm.GlmFamilies.Name(glm.Family);
        s.Append("<table class=\"facts\">\n");
        Row(s, "Data", string.Create(inv, $"{r.Rows:N0} rows in {r.Cells:N0} cells ({r.CellsWithReplicates:N0} with repeated rows); {r.DroppedRows:N0} rows dropped; {glm.SeparatedRows:N0} rows separated"));
        Row(s, "Model", $"{family} regression, {Keel.Solvers.Glm.GlmFamilies.Link(glm.Family)} link, maximum likelihood");
        Row(s, "Solver", string.Create(inv, $"IRLS, {r.Iterations} iterations ({r.SolverName}) — {(r.Converged ? "converged" : "did not converge")}"));
        Row(s, "Parameters", string.Create(inv, $"{r.Parameters}, rank {r.Rank}"));
        Row(s, "Scaled condition number", r.ConditionNumber is { } k ? string.Create(inv, $"{k:G4} ({r.ConditionMethod})") : $"not available ({r.ConditionMethod})");
        Row(s, "Residual deviance", string.Create(inv, $"{glm.Deviance:G10} on {r.DfResidual} degrees of freedom ({(glm.DevianceOfRows ? "of the rows" : "of the cells: the grouped data")})"));
        Row(s, "Null deviance", string.Create(inv, $"{glm.NullDeviance:G10} on {glm.DfNull} degrees of freedom"));
        Row(s, "Standard errors", $"{r.StdErrorType ?? "classical"} (dispersion 1, the {family} likelihood's)");
        s.Append("</table>\n");
    }

    // Coefficients with their multiplicative effect: the GLM's table (link scale, z statistics).
    private static void AppendGlmTable(StringBuilder s, FitResult r)
    {
        const int MaxRows = 200;
        var inv = CultureInfo.InvariantCulture;
        string ratio = r.Glm!.Family == Keel.Solvers.Glm.GlmFamily.Binomial ? "odds ratio" : "rate ratio";
        s.Append("<h2>Coefficients</h2>\n<table class=\"coef\">\n<tr><th>coefficient</th><th>estimate</th><th>").Append(E(ratio)).Append(" (exp)</th><th>std. error</th><th>z</th><th>p</th><th>status</th></tr>\n");
        foreach (CoefficientResult c in r.Coefficients.Take(MaxRows))
        {
            double? z = c.Estimate is { } b && c.StdError is { } se && se > 0 ? b / se : null;
            double? p = z is { } zv ? StudentT.TwoSidedNormalP(zv) : null;
            s.Append("<tr><td>").Append(E(c.Name)).Append("</td><td>").Append(E(F(c.Estimate))).Append("</td><td>").Append(E(F(c.ExpEstimate)))
                .Append("</td><td>").Append(E(F(c.StdError))).Append("</td><td>").Append(E(z is { } zz ? zz.ToString("F2", inv) : "n/a"))
                .Append("</td><td>").Append(E(p is { } pp ? SignificanceTests.FormatP(pp) : "n/a")).Append("</td><td>").Append(E(c.Status.ToString().ToLowerInvariant())).Append("</td></tr>\n");
        }

        s.Append("</table>\n");
        if (r.Coefficients.Count > MaxRows)
        {
            s.Append("<p>").Append(E(string.Create(inv, $"First {MaxRows} of {r.Coefficients.Count} coefficients; all are in the result JSON."))).Append("</p>\n");
        }
    }

    private static void AppendWarnings(StringBuilder s, FitResult r)
    {
        s.Append("<h2>Warnings</h2>\n");
        if (r.Warnings.Count == 0)
        {
            s.Append("<p>None.</p>\n");
            return;
        }

        s.Append("<ul class=\"warnings\">\n");
        foreach (FitWarning w in r.Warnings)
        {
            s.Append("<li><b>").Append(E(w.Code)).Append("</b>: ").Append(E(w.Message)).Append("</li>\n");
        }

        s.Append("</ul>\n");
    }

    private static void AppendDiagnostics(StringBuilder s, FitResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        s.Append("<h2>Diagnostics in words</h2>\n<ul>\n");
        var aliased = r.Coefficients.Where(c => c.Status == CoefficientStatus.Aliased).ToList();
        s.Append("<li>").Append(E(aliased.Count == 0
            ? $"Every one of the {r.Parameters} parameters is identified by the data (rank {r.Rank})."
            : $"{aliased.Count} of {r.Parameters} parameters are aliased: the data cannot tell them apart from other columns, so they have no estimate (null in the JSON). Predictions and per-combination values stay identified where the data determine them.")).Append("</li>\n");
        foreach (CoefficientResult c in aliased.Take(10))
        {
            s.Append("<li class=\"sub\"><code>").Append(E(c.AliasExplanation ?? c.Name)).Append("</code></li>\n");
        }

        if (aliased.Count > 10)
        {
            s.Append("<li class=\"sub\">").Append(E(string.Create(inv, $"... and {aliased.Count - 10} more (all in the result JSON)"))).Append("</li>\n");
        }

        string condition = r.ConditionNumber switch
        {
            null => "The scaled condition number was not computed.",
            < 30 => string.Create(inv, $"The scaled condition number is {r.ConditionNumber:G3}: the kept columns are far from collinear."),
            < 1000 => string.Create(inv, $"The scaled condition number is {r.ConditionNumber:G3}: some columns are moderately collinear; their standard errors are inflated accordingly."),
            _ => string.Create(inv, $"The scaled condition number is {r.ConditionNumber:G3}: strong near-dependencies; about {Math.Log10(r.ConditionNumber.Value):0} digits of the estimates are at risk."),
        };
        s.Append("<li>").Append(E(condition)).Append("</li>\n");
        foreach ((double index, IReadOnlyList<(string Name, double Proportion)> involved) in r.NearDependencies.Take(5))
        {
            string who = string.Join(", ", involved.Take(6).Select(i => string.Create(inv, $"{i.Name} ({100 * i.Proportion:0}%)")));
            s.Append("<li class=\"sub\">").Append(E(string.Create(inv, $"Condition index {index:G3}: a near-dependency carrying most of the variance of {who}."))).Append("</li>\n");
        }

        s.Append("<li>").Append(E(r.SingletonLevels == 0
            ? "No categorical level rests on a single row."
            : string.Create(inv, $"{r.SingletonLevels} categorical level(s) occur in exactly one row; their coefficients rest on one observation."))).Append("</li>\n");
        if (r.PureErrorSs is { } pure && r.Rss is { } rss && rss > 0)
        {
            s.Append("<li>").Append(E(string.Create(inv, $"{100 * pure / rss:0.#}% of the residual sum of squares is variation between rows with identical regressors, which no model of these columns can explain."))).Append("</li>\n");
        }

        s.Append("</ul>\n");
    }

    private static void AppendFigure(StringBuilder s, ReportFigure figure)
    {
        s.Append("<figure>\n<img width=\"").Append(ReportPlots.Width.ToString(CultureInfo.InvariantCulture))
            .Append("\" height=\"").Append(ReportPlots.Height.ToString(CultureInfo.InvariantCulture))
            .Append("\" alt=\"").Append(E(figure.Title)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(figure.Png)).Append("\">\n<figcaption>").Append(E(figure.Caption)).Append("</figcaption>\n");
        if (figure.Notes.Count > 0)
        {
            s.Append("<ul class=\"notes\">\n");
            foreach (string note in figure.Notes)
            {
                s.Append("<li>").Append(E(note)).Append("</li>\n");
            }

            s.Append("</ul>\n");
        }

        s.Append("</figure>\n");
    }

    private static void Row(StringBuilder s, string name, string value) =>
        s.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    private static string F(double? v) => v is { } x ? x.ToString("G6", CultureInfo.InvariantCulture) : "n/a";

    private static string P(double p) => SignificanceTests.FormatP(p) is var t && t.StartsWith('<') ? t : "= " + t;

    private const string Style = """
        body { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; line-height: 1.45; }
        h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 1.6em; }
        .formula code { font-size: 1.1em; background: #f3f3f3; padding: 0.2em 0.4em; }
        table.coef { border-collapse: collapse; font-size: 0.9em; } table.coef th, table.coef td { padding: 0.15em 0.7em; text-align: right; } table.coef td:first-child, table.coef th:first-child { text-align: left; }
        table.facts { border-collapse: collapse; } table.facts th { text-align: left; padding: 0.2em 1em 0.2em 0; vertical-align: top; } table.facts td { padding: 0.2em 0; }
        ul.warnings li { color: #8a2c1f; } li.sub { list-style: none; margin-left: 1em; }
        figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
        figcaption { font-size: 0.92em; color: #444; } ul.notes { font-size: 0.9em; color: #444; }
        pre { font-size: 0.8em; overflow-x: auto; background: #f8f8f8; padding: 1em; }
        .foot { font-size: 0.8em; color: #777; }
        """;
}
