// Block (Schur-complement) right preconditioning of a categorical design for LSMR.
//
// Objective: with the columns ordered [F | R] (F the absorbed factor, whose columns have disjoint
//   supports over the cells, R the kept remaining columns), AᵀA = [[D, B], [Bᵀ, C]], D diagonal,
//   and S = C − BᵀD⁻¹B (the Schur complement). The block upper-triangular Cholesky factor
//       R = [[D^½, D^-½·B], [0, Lᵀ]],   L·Lᵀ ≈ S
//   gives RᵀR = AᵀA exactly when L·Lᵀ = S. LSMR runs on A·R⁻¹ and x = R⁻¹·y is returned.
// Identity used: A·R⁻¹ = [A_F·D^-½, (I − A_F·D⁻¹·A_Fᵀ)·A_R·L⁻ᵀ]; the first block has orthonormal
//   columns, the second is the projection of A_R off F's span, whose Gram matrix is S, so with an
//   exact L the whole of A·R⁻¹ has orthonormal columns and LSMR stops in a few iterations (Fong &
//   Saunders 2011, §1: convergence is governed by the singular values of the operator). With an
//   approximate L (incomplete Cholesky, or diag(S)) the singular values are those of L⁻¹·S·L⁻ᵀ.
// References: Fong & Saunders (2011), SIAM J. Sci. Comput. 33(5) (LSMR, right preconditioning §5);
//   Golub & Van Loan, Matrix Computations (4th ed.), §3.2.11 (block elimination, Schur complement);
//   Gaure (2013), "OLS with multiple high dimensional category variables", Comput. Stat. Data Anal. 66
//   (projecting a factor out, the alternating-projections baseline this replaces).
// Invariant: the products apply exactly the algebra above; every sum runs in one fixed order
//   (cells in cell order, kept columns in kept order, the inner operator's own fixed orders), so the
//   result does not depend on the thread count.
// Cost per product: one product of the inner design operator, one serial pass over the cells with one
//   multiply-add (the F part), and one triangular solve with L.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Iterative;

/// <summary>A·R⁻¹ for the block Cholesky factor R of the absorbed-factor structure (see the header).</summary>
internal sealed class SchurPreconditionedOperator : ILinearOperator
{
    private readonly ILinearOperator _design;
    private readonly ISchurFactor _factor;
    private readonly int[] _absorbedColumns;   // solved column of absorbed position k
    private readonly int[] _keptRestColumns;   // solved column of kept rest position t
    private readonly int[] _absorbedOfCell;    // absorbed position of cell c, or -1
    private readonly double[] _absorbedValueOfCell; // √w_c·v_cf
    private readonly double[] _diagonal;        // D_k
    private readonly double[] _sqrtDiagonal;
    private readonly double[] _scratchByColumn;
    private readonly double[] _scratchByAbsorbed;
    private readonly double[] _scratchByRest;
    private readonly double[] _scratchByCell;

    /// <summary>
    /// Wraps <paramref name="design"/> (the weighted design over solved columns). Cell c's absorbed
    /// position is <paramref name="absorbedOfCell"/>[c] (−1 for none) with entry
    /// <paramref name="absorbedValueOfCell"/>[c] = √w_c·v_cf; the factor is of S over the kept rest columns.
    /// </summary>
    public SchurPreconditionedOperator(ILinearOperator design, int[] absorbedColumns, int[] keptRestColumns, int[] absorbedOfCell, double[] absorbedValueOfCell, ISchurFactor factor)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(factor);
        if (factor.Size != keptRestColumns.Length)
        {
            throw new ArgumentException($"The factor has size {factor.Size} for {keptRestColumns.Length} kept columns.", nameof(factor));
        }

        _design = design;
        _factor = factor;
        _absorbedColumns = absorbedColumns;
        _keptRestColumns = keptRestColumns;
        _absorbedOfCell = absorbedOfCell;
        _absorbedValueOfCell = absorbedValueOfCell;
        _diagonal = new double[absorbedColumns.Length];
        for (int c = 0; c < absorbedOfCell.Length; c++)
        {
            int k = absorbedOfCell[c];
            if (k >= 0)
            {
                _diagonal[k] += absorbedValueOfCell[c] * absorbedValueOfCell[c];
            }
        }

        _sqrtDiagonal = _diagonal.Select(Math.Sqrt).ToArray();
        _scratchByColumn = new double[design.Columns];
        _scratchByAbsorbed = new double[absorbedColumns.Length];
        _scratchByRest = new double[keptRestColumns.Length];
        _scratchByCell = new double[design.Rows];
    }

    /// <inheritdoc/>
    public int Rows => _design.Rows;

    /// <inheritdoc/>
    public int Columns => _absorbedColumns.Length + _keptRestColumns.Length;

    /// <summary>Order of S's factor (the kept non-absorbed columns).</summary>
    public int FactorSize => _factor.Size;

    /// <summary>What approximates S, for the solver's reason.</summary>
    public string FactorDescription => _factor.Description;

    /// <summary>result = A·R⁻¹·y.</summary>
    public void Multiply(ReadOnlySpan<double> y, Span<double> result)
    {
        CheckLength(y, Columns, nameof(y));
        ApplyInverse(y, result, _scratchByColumn);
    }

    /// <summary>result = R⁻ᵀ·Aᵀ·u = [D^-½·A_Fᵀu ; L⁻¹·A_Rᵀ(u − A_F·D⁻¹·A_Fᵀu)].</summary>
    public void MultiplyTransposed(ReadOnlySpan<double> u, Span<double> result)
    {
        CheckLength(u, Rows, nameof(u));
        int nF = _absorbedColumns.Length;
        double[] g1 = _scratchByAbsorbed;
        Array.Clear(g1);
        for (int c = 0; c < _absorbedOfCell.Length; c++)
        {
            int k = _absorbedOfCell[c];
            if (k >= 0)
            {
                g1[k] += _absorbedValueOfCell[c] * u[c];
            }
        }

        double[] projected = _scratchByCell;
        for (int c = 0; c < projected.Length; c++)
        {
            int k = _absorbedOfCell[c];
            projected[c] = k >= 0 ? u[c] - (_absorbedValueOfCell[c] * Over(g1[k], _diagonal[k])) : u[c];
        }

        for (int k = 0; k < nF; k++)
        {
            result[k] = Over(g1[k], _sqrtDiagonal[k]);
        }

        _design.MultiplyTransposed(projected, _scratchByColumn);
        Span<double> g2 = result[nF..];
        for (int t = 0; t < _keptRestColumns.Length; t++)
        {
            g2[t] = _scratchByColumn[_keptRestColumns[t]];
        }

        _factor.SolveLower(g2);
    }

    /// <summary>True when R is the exact Cholesky factor of AᵀA over its columns (see <see cref="ISchurFactor.IsExact"/>).</summary>
    public bool IsExact => _factor.IsExact;

    /// <summary>
    /// x = R⁻¹·R⁻ᵀ·g over the solved columns: (AᵀA)⁻¹·g restricted to F and the kept rest when the
    /// factor is exact (entries of g elsewhere are ignored, x is 0 there). R⁻ᵀ is the forward solve
    /// Rᵀw = g: w_F = D^-½·g_F, w_R = L⁻¹·(g_R − Bᵀ·D⁻¹·g_F), Bᵀ·z = A_Rᵀ·(A_F·z).
    /// Cost: one product and one transposed product of the design, two triangular solves with L.
    /// </summary>
    public void MultiplyInverseGram(ReadOnlySpan<double> g, Span<double> x)
    {
        CheckLength(g, _design.Columns, nameof(g));
        CheckLength(x, _design.Columns, nameof(x));
        int nF = _absorbedColumns.Length;
        var w = new double[Columns];
        double[] byCell = _scratchByCell;
        for (int c = 0; c < byCell.Length; c++)
        {
            int k = _absorbedOfCell[c];
            byCell[c] = k >= 0 ? _absorbedValueOfCell[c] * Over(g[_absorbedColumns[k]], _diagonal[k]) : 0.0;
        }

        for (int k = 0; k < nF; k++)
        {
            w[k] = Over(g[_absorbedColumns[k]], _sqrtDiagonal[k]);
        }

        _design.MultiplyTransposed(byCell, _scratchByColumn);
        for (int t = 0; t < _keptRestColumns.Length; t++)
        {
            w[nF + t] = g[_keptRestColumns[t]] - _scratchByColumn[_keptRestColumns[t]];
        }

        _factor.SolveLower(w.AsSpan(nF));
        ToOriginal(w, x);
    }

    /// <summary>x = R⁻¹·y in the solved columns (0 on the columns outside F and the kept rest).</summary>
    public void ToOriginal(ReadOnlySpan<double> y, Span<double> x)
    {
        CheckLength(y, Columns, nameof(y));
        ApplyInverse(y, new double[Rows], x);
    }

    // x = R⁻¹y: x_R = L⁻ᵀ·y_R; x_F = D^-½·y_F − D⁻¹·A_Fᵀ·(A_R·x_R). Writes A·x into byCell.
    private void ApplyInverse(ReadOnlySpan<double> y, Span<double> byCell, Span<double> x)
    {
        int nF = _absorbedColumns.Length;
        double[] xR = _scratchByRest;
        y[nF..].CopyTo(xR);
        _factor.SolveUpper(xR);
        x.Clear();
        for (int t = 0; t < xR.Length; t++)
        {
            x[_keptRestColumns[t]] = xR[t];
        }

        _design.Multiply(x, byCell);
        double[] t1 = _scratchByAbsorbed;
        Array.Clear(t1);
        for (int c = 0; c < _absorbedOfCell.Length; c++)
        {
            int k = _absorbedOfCell[c];
            if (k >= 0)
            {
                t1[k] += _absorbedValueOfCell[c] * byCell[c];
            }
        }

        for (int k = 0; k < nF; k++)
        {
            t1[k] = Over(y[k], _sqrtDiagonal[k]) - Over(t1[k], _diagonal[k]);
            x[_absorbedColumns[k]] = t1[k];
        }

        for (int c = 0; c < _absorbedOfCell.Length; c++)
        {
            int k = _absorbedOfCell[c];
            if (k >= 0)
            {
                byCell[c] += _absorbedValueOfCell[c] * t1[k];
            }
        }
    }

    // a/d, and 0 for an absorbed level whose cells all have weight 0 (D_k = 0): its column is zero, so
    // R has no inverse there; the level is left out of the solve (coefficient 0) instead of making
    // every product NaN. (The separation certificate of a poisson fit gives separated cells weight 0.)
    private static double Over(double a, double d) => d > 0 ? a / d : 0.0;

    private static void CheckLength(ReadOnlySpan<double> v, int length, string name)
    {
        if (v.Length != length)
        {
            throw new ArgumentException($"{name} has length {v.Length}, expected {length}.", name);
        }
    }
}
