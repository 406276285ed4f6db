using System.Globalization;
using System.Text;

namespace Keel.Results;

/// <summary>
/// The plain-text summary in the style of R's summary.lm: warnings first, then the coefficient table
/// grouped by term (long factors abbreviated), then the fit statistics.
/// </summary>
internal static class SummaryText
{
    private const int LevelsShownPerTerm = 12;

    public static string Render(FitResult r, bool diagnoseOnly)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string method = r.Glm is { } g
            ? $"{Keel.Solvers.Glm.GlmFamilies.Name(g.Family)} regression ({Keel.Solvers.Glm.GlmFamilies.Link(g.Family)} link), IRLS with {r.SolverName}"
            : $"least squares by {r.SolverName}";
        s.AppendLine(inv, $"Keel {ResultJson.Version}   {(diagnoseOnly ? "diagnosis" : method)}");
        s.AppendLine(inv, $"Formula: {r.Formula}");
        s.AppendLine(inv, $"Data:    {r.Rows:N0} rows in {r.Cells:N0} cells ({r.CellsWithReplicates:N0} with repeated rows), {r.DroppedRows:N0} dropped");
        if (r.SolverReason is not null && !diagnoseOnly)
        {
            s.AppendLine(inv, $"Solver:  {r.SolverReason}{(r.Iterations is { } it ? $"; {it} iterations, {r.StopReason}" : string.Empty)}");
        }

        if (r.Warnings.Count > 0)
        {
            s.AppendLine().AppendLine("Warnings:");
            foreach (FitWarning w in r.Warnings)
            {
                s.AppendLine(inv, $"  ! {w.Code}: {w.Message}");
            }
        }

        s.AppendLine();
        AppendTable(s, r, diagnoseOnly);
        s.AppendLine("---");
        s.AppendLine(inv, $"Parameters: {r.Parameters}, rank {r.Rank}; scaled condition number {Format(r.ConditionNumber)} ({r.ConditionMethod ?? "n/a"}); singleton levels {r.SingletonLevels}");
        if (!diagnoseOnly && r.Glm is { } glm)
        {
            // R's summary.glm footer.
            s.AppendLine(inv, $"(Dispersion parameter for {Keel.Solvers.Glm.GlmFamilies.Name(glm.Family)} family taken to be 1; standard errors {r.StdErrorType ?? "classical"})");
            s.AppendLine(inv, $"    Null deviance: {Format(glm.NullDeviance)}  on {glm.DfNull} degrees of freedom");
            s.AppendLine(inv, $"Residual deviance: {Format(glm.Deviance)}  on {r.DfResidual} degrees of freedom{(glm.DevianceOfRows ? string.Empty : "  (of the cells: the rows' deviance needs Σw·y·log y, see docs/glm.md)")}");
            if (glm.SeparatedRows > 0)
            {
                s.AppendLine(inv, $"{glm.SeparatedRows:N0} separated rows left out (see SEPARATION)");
            }

            s.AppendLine(inv, $"Number of IRLS iterations: {r.Iterations}{(r.Converged ? string.Empty : " (not converged)")}");
            s.AppendLine("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1");
        }
        else if (!diagnoseOnly)
        {
            s.AppendLine(inv, $"Residual standard error: {Format(r.Sigma)} on {r.DfResidual} degrees of freedom");
            s.AppendLine(inv, $"Multiple R-squared: {Format(r.RSquared)},  Adjusted R-squared: {Format(r.AdjRSquared)}");
            s.AppendLine(inv, $"Residual sum of squares: {Format(r.Rss)}, of which pure error (within cells): {Format(r.PureErrorSs)}");
            if (r.ModelF is { } f)
            {
                s.AppendLine(inv, $"F-statistic: {Format(f.F)} on {f.Df1} and {f.Df2} DF,  p-value: {SignificanceTests.FormatP(f.PValue)}");
            }

            if (r.LackOfFit is { } lack)
            {
                s.AppendLine(inv, $"Lack of fit against the cell means: F = {Format(lack.F)} on {lack.Df1} and {lack.Df2} DF,  p-value: {SignificanceTests.FormatP(lack.PValue)}{(lack.PValue < 0.05 ? "  (the cell means show structure the model misses)" : string.Empty)}");
            }
            else
            {
                s.AppendLine("Lack of fit: not testable (needs cells with repeated rows and more cells than parameters)");
            }

            s.AppendLine("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1");
        }

        return s.ToString();
    }

    private static void AppendTable(StringBuilder s, FitResult r, bool diagnoseOnly)
    {
        var inv = CultureInfo.InvariantCulture;
        int width = Math.Min(40, Math.Max(12, r.Coefficients.Count == 0 ? 12 : r.Coefficients.Max(c => c.Name.Length) + 2));
        // Likelihood fits: Wald z against the normal distribution, as R's summary.glm with dispersion 1.
        bool z = r.Glm is not null;
        s.AppendLine(inv, $"{"Coefficients:".PadRight(width)} {"Estimate",13} {"Std. Error",12} {(z ? "z value" : "t value"),9} {(z ? "Pr(>|z|)" : "Pr(>|t|)"),10}     status");
        foreach (var term in r.Coefficients.GroupBy(c => c.Term))
        {
            var list = term.ToList();
            if (list.Count > 1)
            {
                int aliased = list.Count(c => c.Status == CoefficientStatus.Aliased);
                s.AppendLine(inv, $"{term.Key} ({list.Count} columns{(aliased > 0 ? $", {aliased} aliased" : string.Empty)})");
            }

            foreach (CoefficientResult c in list.Take(LevelsShownPerTerm))
            {
                string name = (list.Count > 1 ? "  " : string.Empty) + c.Name;
                name = name.Length > width ? name[..(width - 1)] + "~" : name.PadRight(width);
                double? t = c.Estimate is { } e && c.StdError is { } se && se > 0 ? e / se : null;
                double? p = t is { } tv && z ? StudentT.TwoSidedNormalP(tv) : t is { } tv2 && r.DfResidual is { } df && df > 0 ? StudentT.TwoSidedP(tv2, df) : null;
                string status = c.Status == CoefficientStatus.Estimated ? string.Empty : c.Status.ToString().ToLowerInvariant();
                if (c.Status == CoefficientStatus.Aliased && c.AliasExplanation is { } why)
                {
                    status += ": " + why;
                }

                s.AppendLine(inv, $"{name} {Format(diagnoseOnly ? null : c.Estimate),13} {Format(c.StdError),12} {Format(t, "0.###"),9} {SignificanceTests.FormatP(p),10} {SignificanceTests.Stars(p),-3} {status}");
            }

            if (list.Count > LevelsShownPerTerm)
            {
                s.AppendLine(inv, $"  ... {list.Count - LevelsShownPerTerm} more levels of {term.Key} (all are in the JSON result)");
            }
        }
    }

    private static string Format(double? v, string format = "G6") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "NA";
}
