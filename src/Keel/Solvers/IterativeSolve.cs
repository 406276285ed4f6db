using Keel.Absorption;
using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Solvers.Iterative;

namespace Keel.Solvers;

/// <summary>
/// The iterative path: given the diagnose stage's rank decision (<see cref="RankDecision.ForLargeDesign"/>),
/// LSMR with column-norm preconditioning over the level codes on the kept columns only (aliased
/// columns get scale 0, so their coefficients are exactly 0 in the fit and null in the result),
/// preconditioned by the absorbed factor's block Cholesky factor when the decision came with one.
/// </summary>
internal static class IterativeSolve
{
    /// <summary>Decides rank and aliasing, then solves: for a likelihood fit's weighted steps, whose designs change every step.</summary>
    /// <param name="diagnostics">False for an intermediate weighted step of a likelihood fit: the rank decision and
    /// the preconditioner as always, but no covariance diagonal and no dependencies (read from the last step only).</param>
    public static LeastSquaresSolution Solve(Design design, IterativeSettings options, CancellationToken cancel, IProgress<LsmrProgress>? progress = null, bool diagnostics = true)
    {
        var clock = StageClock.Start();
        RankDecision rank = RankDecision.ForLargeDesign(design, options.Threads, diagnostics);
        clock.Lap("solve: rank and aliasing");
        return Solve(design, rank, options, cancel, progress);
    }

    /// <param name="design">The weighted cells design.</param>
    /// <param name="decision">Its rank decision, from the diagnose stage; the solve keeps it.</param>
    public static LeastSquaresSolution Solve(Design design, RankDecision decision, IterativeSettings options, CancellationToken cancel, IProgress<LsmrProgress>? progress = null)
    {
        var clock = StageClock.Start();
        var sub = new SubStageClock("solve");
        AbsorbedGram? gram = decision.Gram;
        bool certified = decision.Certified;
        double[] squaredNorms = design.ColumnSquaredNorms();
        bool[] aliased = decision.Aliased;
        for (int j = 0; j < squaredNorms.Length; j++)
        {
            squaredNorms[j] = aliased[j] ? 0.0 : squaredNorms[j];
        }

        sub.Lap("squared norms");
        var a = new DesignOperator(design, options.Threads);
        sub.Lap("design operator");
        if (options.DiagnoseOnly)
        {
            // `keel diagnose`: rank, aliasing, conditioning and standard-error factors only, no LSMR iterations.
            var diagnosed = ConditionEstimate.Estimate(a, squaredNorms, SchurPreconditioner.TryCreate(design, a, gram, aliased));
            clock.Lap("solve: condition estimate");
            return new LeastSquaresSolution
            {
                Coefficients = aliased.Select(_ => double.NaN).ToArray(),
                Aliased = aliased,
                Dependencies = decision.Dependencies,
                CovarianceDiagonal = gram?.CovarianceDiagonal,
                VarianceFactorByCell = gram?.VarianceFactorByCell,
                ConditionNumber = diagnosed.ConditionNumber,
                ConditionMethod = diagnosed.Method,
                AliasingChecked = decision.Exact,
            };
        }

        var lsmrOptions = new LsmrOptions
        {
            Atol = options.Tolerance,
            Btol = options.Tolerance,
            // Scaled condition numbers of categorical designs stay far below this; stop only when hopeless.
            ConditionLimit = 1e12,
            MaxIterations = options.MaxIterations,
        };
        // Targets near 1e±300 are solved scaled by 2^k (exact) and the coefficients scaled back.
        int targetScale = design.TargetScaleExponent;
        double[] rhs = a.RightHandSide(targetScale);
        sub.Lap("right-hand side");
        SchurPreconditionedOperator? preconditioned = options.Preconditioned
            ? SchurPreconditioner.TryCreate(design, a, gram, aliased)
            : null;
        clock.Lap("solve: preconditioner");
        LsmrResult lsmr;
        double[] coefficients;
        int iterations;
        bool converged;
        string? note = null;
        if (preconditioned is not null)
        {
            var solved = SchurPreconditioner.Solve(preconditioned, a, rhs, squaredNorms, lsmrOptions, cancel, progress);
            lsmr = solved.Last;
            coefficients = solved.Solution;
            iterations = solved.Iterations;
            converged = solved.Converged;
            note = $"preconditioned by the block Cholesky factor of the absorbed factor ({preconditioned.Columns - preconditioned.FactorSize} levels eliminated exactly) and {preconditioned.FactorDescription}; {solved.Rounds} LSMR run(s) with refinement, {iterations} iterations in all";
        }
        else
        {
            lsmr = Lsmr.SolveColumnScaled(a, rhs, squaredNorms, lsmrOptions, cancel, progress);
            coefficients = lsmr.Solution;
            iterations = lsmr.Iterations;
            converged = lsmr.Converged;
            note = options.Preconditioned ? "column-norm (diagonal) preconditioning: no categorical term can be absorbed" : null;
        }

        clock.Lap("solve: lsmr");
        if (certified)
        {
            note = (note is null ? "" : note + "; ") + "rank: full, proved from the cells by within-level connectivity (FullRankCertificate), beyond the dense rank decision's size";
        }

        for (int j = 0; j < coefficients.Length; j++)
        {
            coefficients[j] = aliased[j] ? double.NaN : Math.ScaleB(coefficients[j], -targetScale);
        }

        return new LeastSquaresSolution
        {
            Coefficients = coefficients,
            Aliased = aliased,
            Dependencies = decision.Dependencies,
            CovarianceDiagonal = gram?.CovarianceDiagonal,
            VarianceFactorByCell = gram?.VarianceFactorByCell,
            // The design's own conditioning (not the preconditioned operator's, nor LSMR's running
            // estimate, which stops growing once LSMR converges); the factor is built for it when the
            // solve went without. Deferred: a likelihood fit reads it for its last step only.
            DeferredCondition = () =>
            {
                var estimateClock = StageClock.Start();
                var condition = ConditionEstimate.Estimate(a, squaredNorms, preconditioned ?? SchurPreconditioner.TryCreate(design, a, gram, aliased));
                estimateClock.Lap("solve: condition estimate");
                return (condition.ConditionNumber, condition.Method);
            },
            ConvergenceHistory = lsmr.NormARByIteration,
            Converged = converged,
            Iterations = iterations,
            SolverNote = note,
            Tolerance = options.Tolerance,
            StopReason = lsmr.StopReason.ToString(),
            AliasingChecked = decision.Exact,
        };
    }
}
