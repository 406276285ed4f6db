using System.Globalization;
using Keel.Compression;
using Keel.Diagnostics;
using Keel.Model;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Iterative;
using Keel.Solvers.Penalized;
using Keel.Solvers.Stochastic;

namespace Keel.Pipeline;

/// <summary>The remedies: penalised fits, SGD, robust standard errors, and auto's refinement note.</summary>
internal static partial class FitPipeline
{
    private static bool IsRemedy(SolverChoice solver) =>
        solver is SolverChoice.Ridge or SolverChoice.Lasso or SolverChoice.ElasticNet or SolverChoice.Sgd;

    private static FitOutcome RunRemedy(Design design, FitOptions options, StageClock clock, CancellationToken cancel)
    {
        LeastSquaresSolution solution;
        string name;
        string reason;
        if (options.Solver == SolverChoice.Sgd)
        {
            solution = SgdSolve.Solve(design, options.Sgd, cancel);
            name = "sgd";
            reason = "requested --solver sgd: averaged SGD (Polyak & Juditsky 1992) with constant step 1/(4R²) (Bach & Moulines 2013) on the identified columns";
        }
        else
        {
            PenaltyKind kind = options.Solver switch
            {
                SolverChoice.Ridge => PenaltyKind.Ridge,
                SolverChoice.Lasso => PenaltyKind.Lasso,
                _ => PenaltyKind.ElasticNet,
            };
            bool denseFits = DenseLimits.Fits(design.CellCount + design.SolvedCount, design.SolvedCount);
            var lsmr = new LsmrOptions { Atol = options.IterativeTolerance, Btol = options.IterativeTolerance, MaxIterations = options.MaxIterations };
            solution = PenalizedSolve.Solve(design, kind, options.Penalized, denseFits, lsmr, cancel);
            name = kind == PenaltyKind.ElasticNet ? "elasticnet" : kind.ToString().ToLowerInvariant();
            PenaltyReport penalty = solution.Penalty!;
            reason = string.Create(CultureInfo.InvariantCulture, $"requested --solver {name}: λ = {penalty.Lambda:G6} ") + (penalty.Folds is { } k
                ? string.Create(CultureInfo.InvariantCulture, $"chosen by {k}-fold cross-validation over cells (seed {options.Penalized.Seed}) as the least CV error on a {options.Penalized.PathLength}-value path from λ_max = {penalty.LambdaMax:G6}; {penalty.Method}")
                : $"as given; {penalty.Method}");
        }

        clock.Lap("solve");
        var result = ResultAssembler.Assemble(design, solution, options.DiagnoseOnly, new SolverReport(name, reason, options.Threads));
        result.Penalty = solution.Penalty;
        if (solution.Penalty is { ChosenAtPathEnd: true } end)
        {
            result.Warnings.Add(new FitWarning(WarningCodes.LambdaAtPathEnd, string.Create(CultureInfo.InvariantCulture, $"cross-validation chose the smallest λ of the path ({end.Lambda:G4} = {options.Penalized.MinRatio ?? LambdaPath.DefaultMinRatio(design.Cells.Counts.RowsUsed, design.SolvedCount):G2}·λ_max): the best λ may be smaller; columns are not standardised, so rare levels need small λ (try --lambda, or compare with --solver qr)")));
        }

        double[] fitted = ResultAssembler.FittedByCell(design, solution);
        if (solution.Penalty is null)
        {
            ApplyStandardErrors(result, design, solution, fitted, options);
        }

        return new FitOutcome(result, design, solution, fitted);
    }

    // auto and qr always refine on the dense path; say what the condition number made of it.
    private static string RefinementNote(bool dense, LeastSquaresSolution solution)
    {
        if (!dense || solution.ConditionNumber is not { } kappa)
        {
            return !dense && solution.SolverNote is { } note ? "; " + note : string.Empty;
        }

        double digitsAtRisk = Math.Max(0, Math.Log10(kappa));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"; Björck refinement of the augmented system with double-double residuals ({solution.StopReason}, {solution.Iterations} steps): the scaled condition number {kappa:G3} puts about {digitsAtRisk:0.#} of 16 digits at risk in a plain QR solve, {(digitsAtRisk > 4 ? "which the refinement recovers" : "few enough that refinement only confirms the solution")}");
    }

    private static void ApplyStandardErrors(FitResult result, Design design, LeastSquaresSolution solution, double[] fitted, FitOptions options)
    {
        if (options.StandardErrors == StandardErrorKind.Classical && options.ClusterColumn is null)
        {
            result.StdErrorType = "classical";
            return;
        }

        if (options.ClusterColumn is null && options.WeightColumn is not null)
        {
            throw new KeelInputException("--se hc1 with --weights: HC1 needs Σw²e² per cell, which the cells' sums (Σw, Σwy, Σwy²) do not determine; use --cluster COL (exact with weights) or fit without weights");
        }

        string type = options.ClusterColumn is { } col ? $"cluster({col})" : "hc1";
        result.StdErrorType = type;
        if (solution.Covariance is null)
        {
            foreach (CoefficientResult c in result.Coefficients.Where(c => c.Status == CoefficientStatus.Estimated))
            {
                c.StdError = null;
            }

            result.Warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, $"{type} standard errors need (X'WX)⁻¹, which only the dense path provides; use --solver qr"));
            return;
        }

        RobustStandardErrors(result, design, solution, fitted, design.Cells.Counts.RowsUsed, options);
    }

    // The sandwich of the cells (RobustCovariance) written into the result's estimated
    // coefficients; the least-squares and the GLM paths share it (fitted: the cells' fitted means).
    private static void RobustStandardErrors(FitResult result, Design design, LeastSquaresSolution solution, double[] fitted, long rows, FitOptions options)
    {
        var covariance = solution.Covariance!();
        double[] variance;
        if (options.ClusterColumn is { } cluster)
        {
            int key = Array.FindIndex(design.Cells.KeyColumns, k => k.Name == cluster);
            variance = RobustCovariance.Clustered(design, covariance, solution.Aliased, fitted, key, rows, solution.Rank, out int clusters);
            result.Clusters = clusters;
            if (clusters < 2)
            {
                result.Warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, $"--cluster {cluster}: {clusters} cluster; cluster-robust standard errors need at least 2"));
            }
        }
        else
        {
            variance = RobustCovariance.Hc1(design, covariance, solution.Aliased, fitted, rows, solution.Rank);
        }

        for (int i = 0; i < design.Columns.Length; i++)
        {
            int j = design.SolvedOfColumn[i];
            CoefficientResult c = result.Coefficients[i];
            if (j >= 0 && !solution.Aliased[j] && c.Status == CoefficientStatus.Estimated)
            {
                c.StdError = variance[j] >= 0 && rows > solution.Rank ? Math.Sqrt(variance[j]) : null;
            }
        }
    }

    // --cluster COL: the cluster column joins the cell key (cells split by cluster; sums stay exact).
    private static RowPassPlan WithClusterKey(RowPassPlan plan, string? cluster) =>
        cluster is null || plan.KeyColumns.Contains(cluster, StringComparer.Ordinal)
            ? plan
            : plan with { KeyColumns = [.. plan.KeyColumns, cluster] };
}
