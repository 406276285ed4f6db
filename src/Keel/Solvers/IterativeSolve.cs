using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Pipeline;
using Keel.Solvers.Iterative;

namespace Keel.Solvers;

/// <summary>
/// The iterative path: rank and aliasing from the absorbed Gram matrix (<see cref="AbsorbedGram"/>),
/// then LSMR with column-norm preconditioning over the level codes on the kept columns only
/// (aliased columns get scale 0, so their coefficients are exactly 0 in the fit and null in the result).
/// </summary>
internal static class IterativeSolve
{
    public static LeastSquaresSolution Solve(Design design, FitOptions options, CancellationToken cancel, IProgress<LsmrProgress>? progress = null)
    {
        AbsorbedGram? rank = AbsorbedGram.TryCreate(design);
        var graph = rank is null ? TwoFactorGraph.TryCreate(design) : null;
        double[] squaredNorms = design.ColumnSquaredNorms();
        var aliased = rank?.Aliased ?? graph?.Aliased ?? squaredNorms.Select(n => n == 0).ToArray();
        for (int j = 0; j < squaredNorms.Length; j++)
        {
            squaredNorms[j] = aliased[j] ? 0.0 : squaredNorms[j];
        }

        if (options.DiagnoseOnly)
        {
            // `keel diagnose`: rank, aliasing and standard-error factors only, no iterations.
            return new LeastSquaresSolution
            {
                Coefficients = aliased.Select(_ => double.NaN).ToArray(),
                Aliased = aliased,
                Dependencies = rank?.Dependencies.ToDictionary(kv => kv.Key, kv => kv.Value) ?? graph?.Dependencies ?? [],
                CovarianceDiagonal = rank?.CovarianceDiagonal,
                ConditionMethod = "not computed by diagnose on the iterative path",
                AliasingChecked = rank is not null || graph is not null,
            };
        }

        var a = new DesignOperator(design);
        var lsmrOptions = new LsmrOptions
        {
            Atol = options.IterativeTolerance,
            Btol = options.IterativeTolerance,
            // Scaled condition numbers of categorical designs stay far below this; stop only when hopeless.
            ConditionLimit = 1e12,
            MaxIterations = options.MaxIterations,
        };
        LsmrResult lsmr = Lsmr.SolveColumnScaled(a, a.RightHandSide(), squaredNorms, lsmrOptions, cancel, progress);

        double[] coefficients = lsmr.Solution;
        for (int j = 0; j < coefficients.Length; j++)
        {
            coefficients[j] = aliased[j] ? double.NaN : coefficients[j];
        }

        return new LeastSquaresSolution
        {
            Coefficients = coefficients,
            Aliased = aliased,
            Dependencies = rank?.Dependencies.ToDictionary(kv => kv.Key, kv => kv.Value) ?? graph?.Dependencies ?? [],
            CovarianceDiagonal = rank?.CovarianceDiagonal,
            ConditionNumber = lsmr.CondA,
            ConvergenceHistory = lsmr.NormARByIteration,
            ConditionMethod = "estimate (LSMR's Golub-Kahan bidiagonalisation of the column-scaled design; Fong & Saunders 2011)",
            Converged = lsmr.Converged,
            Iterations = lsmr.Iterations,
            Tolerance = options.IterativeTolerance,
            StopReason = lsmr.StopReason.ToString(),
            AliasingChecked = rank is not null || graph is not null,
        };
    }
}
