using Keel.LinearAlgebra;
using Keel.Model;

namespace Keel.Solvers.Penalized;

/// <summary>
/// The ridge problem as ordinary least squares: [√W·X; √(λ(1−α)W)·I_P] with right-hand side
/// [√W·ȳ; 0], I_P the rows of the identity for the penalised columns (Hoerl &amp; Kennard 1970;
/// Björck 1996, §2.7.4 "damped least squares"). Its least-squares solution minimises
/// Σ_cells w(ȳ − x'β)² + λ(1−α)·W·‖β_P‖², which is 2W times the ridge objective less the pure error.
/// Invariant: A·x and Aᵀ·y are the design's products plus a diagonal; no entry is ever materialised.
/// </summary>
internal sealed class RidgeAugmentedOperator(DesignOperator design, int[] penalizedColumns, double damp) : ILinearOperator
{
    public int Rows => design.Rows + penalizedColumns.Length;

    public int Columns => design.Columns;

    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        design.Multiply(x, result[..design.Rows]);
        for (int k = 0; k < penalizedColumns.Length; k++)
        {
            result[design.Rows + k] = damp * x[penalizedColumns[k]];
        }
    }

    public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
    {
        design.MultiplyTransposed(y[..design.Rows], result);
        for (int k = 0; k < penalizedColumns.Length; k++)
        {
            result[penalizedColumns[k]] += damp * y[design.Rows + k];
        }
    }
}
