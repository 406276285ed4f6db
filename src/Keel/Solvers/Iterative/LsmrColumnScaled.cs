// LSMR on the column-scaled problem: solve min ‖(AD)z − b‖² + λ²‖z‖² for z, return x = D·z.
// Objective in x: ‖Ax − b‖² + λ²‖D⁻¹x‖² over the columns with d_j > 0; x_j = 0 where d_j = 0.
// Reference: Fong & Saunders (2011), Algorithm 1 applied to A·D (see ColumnScaledOperator).
// Invariant: the stopping rules, NormA, CondA, NormAR and NormX refer to the scaled problem
//   (‖A‖ is ‖AD‖, ‖Aᵀr‖ is ‖DAᵀr‖, ‖x‖ is ‖z‖); NormR = ‖b − Ax‖ is the same in both.
// Cost: that of Lsmr.Solve plus one pass over n per product and one at the end.

using System.Diagnostics.CodeAnalysis;
using Keel.LinearAlgebra;

namespace Keel.Solvers.Iterative;

internal static partial class Lsmr
{
    /// <summary>
    /// Solves the least-squares problem with column-norm preconditioning: D = diag(1/‖a_j‖) from
    /// the caller's squared column norms (0 for an empty column, whose coefficient stays exactly 0).
    /// <see cref="LsmrResult.Solution"/> is x in the original columns; every other figure in the
    /// result, and every stopping rule, is that of the scaled problem in z (see docs/lsmr.md).
    /// </summary>
    [SuppressMessage("Design", "CA1068:CancellationToken parameters must come last", Justification = "Signature agreed with the callers: (…, ct, progress), progress being the rarer argument.")]
    public static LsmrResult SolveColumnScaled(
        ILinearOperator a,
        ReadOnlySpan<double> b,
        ReadOnlySpan<double> squaredNormByColumn,
        LsmrOptions options,
        CancellationToken ct = default,
        IProgress<LsmrProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        var scaled = new ColumnScaledOperator(a, ColumnScaledOperator.ScalesFromSquaredNorms(squaredNormByColumn));
        var inZ = Solve(scaled, b, options, ct, progress);
        var coefByColumn = new double[a.Columns];
        scaled.ToOriginal(inZ.Solution, coefByColumn);
        return new LsmrResult(
            coefByColumn, inZ.StopReason, inZ.Iterations, inZ.NormR, inZ.NormAR, inZ.NormA, inZ.CondA, inZ.NormX, inZ.NormARByIteration);
    }
}
