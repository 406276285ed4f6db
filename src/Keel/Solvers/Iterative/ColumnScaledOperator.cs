// Diagonal (column-norm) preconditioning: the operator A·D with D = diag(d_j), d_j = 1/‖a_j‖, so
// every non-empty column of A·D has unit norm. LSMR then solves for z in min ‖(AD)z − b‖ and the
// caller maps back x = D·z.
// Reference: van der Sluis (1969), "Condition numbers and equilibration of matrices", Numer. Math.
//   14:14–23: unit column norms bring cond(AD) within a factor √n of the best diagonal scaling
//   (the unit diagonal of (AD)ᵀ(AD)). For a one-hot design over cells, ‖a_j‖² is the total count
//   of level j, which the caller knows without touching A.
// Invariant: a column with ‖a_j‖ = 0 gets d_j = 0, so its coefficient is exactly 0 (the caller marks
//   it aliased); D is fixed for the life of the operator.
// Cost: the inner products plus one pass over n per product. Not thread-safe (one scratch buffer).

using Keel.LinearAlgebra;

namespace Keel.Solvers.Iterative;

/// <summary>A·D for a fixed diagonal D ≥ 0 given by its entries.</summary>
internal sealed class ColumnScaledOperator : ILinearOperator
{
    private readonly ILinearOperator inner;
    private readonly double[] scaleByColumn;
    private readonly double[] scratchByColumn;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="scaleByColumn"/> is copied (d_j ≥ 0, finite).</summary>
    public ColumnScaledOperator(ILinearOperator inner, ReadOnlySpan<double> scaleByColumn)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (scaleByColumn.Length != inner.Columns)
        {
            throw new ArgumentException($"{scaleByColumn.Length} scales given for an operator with {inner.Columns} columns.", nameof(scaleByColumn));
        }

        for (int j = 0; j < scaleByColumn.Length; j++)
        {
            if (!(scaleByColumn[j] >= 0) || double.IsInfinity(scaleByColumn[j]))
            {
                throw new ArgumentException($"Scale of column {j} is {scaleByColumn[j]}; scales must be finite and non-negative.", nameof(scaleByColumn));
            }
        }

        this.inner = inner;
        this.scaleByColumn = scaleByColumn.ToArray();
        scratchByColumn = new double[inner.Columns];
    }

    /// <inheritdoc/>
    public int Rows => inner.Rows;

    /// <inheritdoc/>
    public int Columns => inner.Columns;

    /// <summary>d_j, by column.</summary>
    public ReadOnlySpan<double> ScaleByColumn => scaleByColumn;

    /// <summary>
    /// d_j = 1/√s_j from the squared column norms s_j = ‖a_j‖² (for a count-weighted one-hot column,
    /// the level's total weight), and d_j = 0 where s_j = 0. Exactly zero, not "small": deciding
    /// that a tiny column is aliased belongs to the rank diagnostics, which see the whole design.
    /// </summary>
    public static double[] ScalesFromSquaredNorms(ReadOnlySpan<double> squaredNormByColumn)
    {
        var scaleByColumn = new double[squaredNormByColumn.Length];
        for (int j = 0; j < squaredNormByColumn.Length; j++)
        {
            double s = squaredNormByColumn[j];
            if (!(s >= 0) || double.IsInfinity(s))
            {
                throw new ArgumentException($"Squared norm of column {j} is {s}; it must be finite and non-negative.", nameof(squaredNormByColumn));
            }

            scaleByColumn[j] = s > 0 ? 1 / Math.Sqrt(s) : 0;
        }

        return scaleByColumn;
    }

    /// <summary>result = A·(D·z).</summary>
    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        if (x.Length != scaleByColumn.Length)
        {
            throw new ArgumentException($"x has length {x.Length}, expected {scaleByColumn.Length}.", nameof(x));
        }

        ToOriginal(x, scratchByColumn);
        inner.Multiply(scratchByColumn, result);
    }

    /// <summary>result = D·(Aᵀ·y).</summary>
    public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
    {
        inner.MultiplyTransposed(y, result);
        for (int j = 0; j < scaleByColumn.Length; j++)
        {
            result[j] *= scaleByColumn[j];
        }
    }

    /// <summary>x = D·z: coefficients of the scaled problem back in the original columns.</summary>
    public void ToOriginal(ReadOnlySpan<double> z, Span<double> x)
    {
        if (z.Length != scaleByColumn.Length || x.Length != scaleByColumn.Length)
        {
            throw new ArgumentException($"z and x must both have length {scaleByColumn.Length}.", nameof(z));
        }

        for (int j = 0; j < scaleByColumn.Length; j++)
        {
            x[j] = scaleByColumn[j] * z[j];
        }
    }
}
