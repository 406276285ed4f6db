using Keel.Diagnostics;
using Keel.Model;
using Keel.Solvers;

namespace Keel.Results;

/// <summary>
/// Which standard errors a cell fit reports, as the assembler needs to know it: classical, HC1
/// (<paramref name="Hc1"/>) or clustered by a key column of the cells (<paramref name="ClusterColumn"/>,
/// which wins over HC1); <paramref name="Weighted"/> says the fit has --weights.
/// </summary>
internal sealed record StandardErrorRequest(bool Hc1, string? ClusterColumn, bool Weighted)
{
    /// <summary>
    /// For a likelihood fit: the design of the prior weights and the cells' mean targets (the fit's
    /// own, not the last IRLS step's working design), whose residuals against μ give the scores.
    /// </summary>
    public Design? PriorDesign { get; init; }

    public bool Classical => !Hc1 && ClusterColumn is null;
}

/// <summary>
/// The result's standard errors, written once by the assembler: the classical ones come with the
/// coefficients (σ²·(X'WX)⁻¹); a robust request replaces them by the cells' sandwich
/// (<see cref="RobustCovariance"/>: HC1, or clustered by a cell key) and names the type.
/// Objective: the sandwich of MacKinnon &amp; White (1985) and of Liang &amp; Zeger (1986) from exact cell sums.
/// Invariant: only estimated coefficients get a value; none without (X'WX)⁻¹ (dense path) or with too few rows.
/// Cost: one pass over the cells and the k×k covariance (RobustCovariance).
/// </summary>
internal static class StandardErrorAssembly
{
    /// <param name="coefficients">The result's coefficients with the classical standard errors.</param>
    /// <param name="fitted">The cells' fitted means (<see cref="LeastSquaresSolution.FittedByCell"/>); for a likelihood fit the means μ.</param>
    /// <param name="rows">Rows in the fit (a likelihood fit's exclude the separated rows).</param>
    /// <returns>The coefficients with the requested standard errors, their type and any warning about them.</returns>
    public static StandardErrorBlock Apply(IReadOnlyList<CoefficientResult> coefficients, Design design, LeastSquaresSolution solution, double[] fitted, StandardErrorRequest request, long rows)
    {
        // A likelihood fit's sandwich (R's sandwich::estfun.glm): the score per cell is
        // x_c·(Σwy − Σw·μ_c), the least-squares residual of the prior-weight design with "fitted" μ,
        // and the bread (X'ΩX)⁻¹ at the fit; separated cells are fitted exactly and add nothing.
        Design scores = request.PriorDesign ?? design;
        string inverse = request.PriorDesign is null ? "(X'WX)⁻¹" : "(X'ΩX)⁻¹";
        if (request.Classical)
        {
            return new StandardErrorBlock(coefficients, "classical", Clusters: null, Warning: null);
        }

        if (request.ClusterColumn is null && request.Weighted)
        {
            throw new KeelInputException($"--se hc1 with --weights: HC1 needs {(request.PriorDesign is null ? "Σw²e²" : "Σw²(y − μ)²")} per cell, which the cells' sums (Σw, Σwy, Σwy²) do not determine; use --cluster COL (exact with weights) or fit without weights");
        }

        string type = request.ClusterColumn is { } col ? $"cluster({col})" : "hc1";
        if (solution.Covariance is null)
        {
            return new StandardErrorBlock(
                coefficients.Select(c => c.Status == CoefficientStatus.Estimated ? c with { StdError = null } : c).ToList(),
                type,
                Clusters: null,
                new FitWarning(WarningCodes.StandardErrorsUnavailable, $"{type} standard errors need {inverse}, which only the dense path provides; use --solver qr"));
        }

        return Robust(coefficients, scores, solution, fitted, rows, request.ClusterColumn, type);
    }

    /// <summary>
    /// The sandwich of the cells written into the estimated coefficients; the least-squares and the
    /// GLM paths share it (<paramref name="fitted"/>: the cells' fitted means; null
    /// <paramref name="cluster"/>: HC1).
    /// </summary>
    private static StandardErrorBlock Robust(IReadOnlyList<CoefficientResult> coefficients, Design design, LeastSquaresSolution solution, double[] fitted, long rows, string? cluster, string type)
    {
        var covariance = solution.Covariance!();
        double[] variance;
        int? clusters = null;
        FitWarning? warning = null;
        if (cluster is not null)
        {
            int key = Array.FindIndex(design.Cells.KeyColumns, k => k.Name == cluster);
            variance = RobustCovariance.Clustered(design, covariance, solution.Aliased, fitted, key, rows, solution.Rank, out int count);
            clusters = count;
            if (count < 2)
            {
                warning = new FitWarning(WarningCodes.StandardErrorsUnavailable, $"--cluster {cluster}: {count} cluster; cluster-robust standard errors need at least 2");
            }
        }
        else
        {
            variance = RobustCovariance.Hc1(design, covariance, solution.Aliased, fitted, rows, solution.Rank);
        }

        var robust = new CoefficientResult[design.Columns.Length];
        for (int i = 0; i < design.Columns.Length; i++)
        {
            int j = design.SolvedOfColumn[i];
            CoefficientResult c = coefficients[i];
            robust[i] = j >= 0 && !solution.Aliased[j] && c.Status == CoefficientStatus.Estimated
                ? c with { StdError = variance[j] >= 0 && rows > solution.Rank ? Math.Sqrt(variance[j]) : null }
                : c;
        }

        return new StandardErrorBlock(robust, type, clusters, warning);
    }
}

/// <summary>
/// The standard errors as <see cref="StandardErrorAssembly"/> gives them to the assembler: the
/// coefficients with their errors, the errors' type ("classical", "hc1" or "cluster(COL)"), the
/// number of clusters (null unless clustered) and the warning about them, if any.
/// </summary>
internal sealed record StandardErrorBlock(IReadOnlyList<CoefficientResult> Coefficients, string Type, int? Clusters, FitWarning? Warning);
