using System.Globalization;
using Keel.Compression;
using Keel.Model;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Iterative;
using Keel.Solvers.Penalized;
using Keel.Solvers.Stochastic;

namespace Keel.Pipeline;

/// <summary>The remedies: penalised fits and SGD; the standard-error request; auto's refinement note.</summary>
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
        double[] fitted = solution.FittedByCell(design);
        // A penalised fit's coefficients are biased: no standard error (its covariance is not (X'WX)⁻¹).
        var result = ResultAssembler.Assemble(design, solution, options.DiagnoseOnly, new SolverReport(name, reason, options.Threads), standardErrors: solution.Penalty is null ? StandardErrorsOf(options) : null, fitted: fitted);
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

    // The standard errors a least-squares fit of the cells reports (written by the assembler).
    private static StandardErrorRequest StandardErrorsOf(FitOptions options) =>
        new(options.StandardErrors == StandardErrorKind.Hc1, options.ClusterColumn, options.WeightColumn is not null);

    // --cluster COL: the cluster column joins the cell key (cells split by cluster; sums stay exact).
    private static RowPassPlan WithClusterKey(RowPassPlan plan, string? cluster) =>
        cluster is null || plan.KeyColumns.Contains(cluster, StringComparer.Ordinal)
            ? plan
            : plan with { KeyColumns = [.. plan.KeyColumns, cluster] };
}
