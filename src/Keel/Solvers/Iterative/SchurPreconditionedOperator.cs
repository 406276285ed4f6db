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

using Keel.Absorption;
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
    private readonly Model.Design _cells;
    private CrossProduct? _cross;

    /// <summary>
    /// Wraps <paramref name="design"/> (the weighted design over solved columns, of the cells of
    /// <paramref name="cells"/>). Cell c's absorbed position is <paramref name="absorbedOfCell"/>[c]
    /// (−1 for none) with entry <paramref name="absorbedValueOfCell"/>[c] = √w_c·v_cf; the factor is of
    /// S over the kept rest columns.
    /// </summary>
    public SchurPreconditionedOperator(ILinearOperator design, Model.Design cells, int[] absorbedColumns, int[] keptRestColumns, int[] absorbedOfCell, double[] absorbedValueOfCell, ISchurFactor factor)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(factor);
        if (factor.Size != keptRestColumns.Length)
        {
            throw new ArgumentException($"The factor has size {factor.Size} for {keptRestColumns.Length} kept columns.", nameof(factor));
        }

        _design = design;
        _cells = cells;
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
    /// factor is exact (entries of g elsewhere are ignored, x is 0 there). With B = A_Fᵀ·A_R (the
    /// weighted cross-products of the absorbed levels with the kept columns, <see cref="CrossProduct"/>):
    /// R⁻ᵀ is the forward solve w_F = D^-½·g_F, w_R = L⁻¹·(g_R − Bᵀ·D⁻¹·g_F), and R⁻¹ the back solve
    /// x_R = L⁻ᵀ·w_R, x_F = D^-½·w_F − D⁻¹·B·x_R.
    /// Cost: two products with the sparse B (its entries are the distinct pairs of an absorbed level
    /// and a kept column over the cells, fewer than the design's cells × slots) and two triangular
    /// solves with L; B is formed on the first call (one pass over the cells), which only the
    /// condition estimate makes.
    /// </summary>
    public void MultiplyInverseGram(ReadOnlySpan<double> g, Span<double> x)
    {
        CheckLength(g, _design.Columns, nameof(g));
        CheckLength(x, _design.Columns, nameof(x));
        CrossProduct b = _cross ??= CrossProduct.Build(_cells, _absorbedColumns.Length, _absorbedOfCell, _absorbedValueOfCell, _keptRestColumns);
        int nF = _absorbedColumns.Length;
        double[] wF = new double[nF];
        double[] zF = _scratchByAbsorbed;
        for (int k = 0; k < nF; k++)
        {
            double gF = g[_absorbedColumns[k]];
            wF[k] = Over(gF, _sqrtDiagonal[k]);
            zF[k] = Over(gF, _diagonal[k]);
        }

        double[] wR = _scratchByRest;
        b.MultiplyTransposed(zF, wR);
        for (int t = 0; t < wR.Length; t++)
        {
            wR[t] = g[_keptRestColumns[t]] - wR[t];
        }

        _factor.SolveLower(wR);
        _factor.SolveUpper(wR);
        b.Multiply(wR, zF);
        x.Clear();
        for (int t = 0; t < wR.Length; t++)
        {
            x[_keptRestColumns[t]] = wR[t];
        }

        for (int k = 0; k < nF; k++)
        {
            x[_absorbedColumns[k]] = Over(wF[k], _sqrtDiagonal[k]) - Over(zF[k], _diagonal[k]);
        }
    }

    /// <summary>
    /// u = AᵀA·v = RᵀR·v over F and the kept rest (0 elsewhere) when the factor is the exact dense
    /// one, through B and L only: R·v = [D^½·v_F + D^-½·B·v_R ; Lᵀ·v_R], then Rᵀ of it; false (u
    /// untouched) for any other factor, whose RᵀR is not AᵀA.
    /// </summary>
    public bool TryMultiplyGram(ReadOnlySpan<double> v, Span<double> u)
    {
        if (_factor is not DenseSchurFactor dense)
        {
            return false;
        }

        CrossProduct b = _cross ??= CrossProduct.Build(_cells, _absorbedColumns.Length, _absorbedOfCell, _absorbedValueOfCell, _keptRestColumns);
        int nF = _absorbedColumns.Length;
        double[] vR = _scratchByRest;
        for (int t = 0; t < vR.Length; t++)
        {
            vR[t] = v[_keptRestColumns[t]];
        }

        // y_F = D^½·v_F + D^-½·B·v_R; then u_F = D^½·y_F, u_R = Bᵀ·D^-½·y_F + L·Lᵀ·v_R.
        double[] yF = _scratchByAbsorbed;
        b.Multiply(vR, yF);
        for (int k = 0; k < nF; k++)
        {
            yF[k] = (_sqrtDiagonal[k] * v[_absorbedColumns[k]]) + Over(yF[k], _sqrtDiagonal[k]);
        }

        var uR = new double[vR.Length];
        dense.MultiplyGram(vR, uR);
        var scaledY = new double[nF];
        for (int k = 0; k < nF; k++)
        {
            scaledY[k] = Over(yF[k], _sqrtDiagonal[k]);
        }

        b.MultiplyTransposed(scaledY, vR);
        u.Clear();
        for (int t = 0; t < vR.Length; t++)
        {
            u[_keptRestColumns[t]] = vR[t] + uR[t];
        }

        for (int k = 0; k < nF; k++)
        {
            u[_absorbedColumns[k]] = _sqrtDiagonal[k] * yF[k];
        }

        return true;
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

/// <summary>
/// B = A_Fᵀ·A_R of the absorbed-factor structure: row k holds Σ_c w_c·v_cF·v_cj over the cells of
/// absorbed level k, for each kept column j (position t) those cells touch. Invariant: each entry is
/// summed over its cells in cell order and a row's entries are stored by ascending t, so B and its
/// products do not depend on the thread count.
/// </summary>
internal sealed class CrossProduct
{
    private readonly int[] _rowStart;
    private readonly int[] _column;
    private readonly double[] _value;

    private CrossProduct(int[] rowStart, int[] column, double[] value)
    {
        _rowStart = rowStart;
        _column = column;
        _value = value;
    }

    /// <summary>Forms B from the cells (one pass over them, grouped by absorbed level).</summary>
    public static CrossProduct Build(Model.Design design, int levels, int[] absorbedOfCell, double[] absorbedValueOfCell, int[] keptRestColumns)
    {
        var keptOf = new int[design.SolvedCount];
        Array.Fill(keptOf, -1);
        for (int t = 0; t < keptRestColumns.Length; t++)
        {
            keptOf[keptRestColumns[t]] = t;
        }

        // Cells of each level, in cell order.
        var start = new int[levels + 1];
        foreach (int k in absorbedOfCell)
        {
            if (k >= 0)
            {
                start[k + 1]++;
            }
        }

        for (int k = 0; k < levels; k++)
        {
            start[k + 1] += start[k];
        }

        var cellsOfLevel = new int[start[levels]];
        int[] next = start[..^1];
        for (int c = 0; c < absorbedOfCell.Length; c++)
        {
            if (absorbedOfCell[c] >= 0)
            {
                cellsOfLevel[next[absorbedOfCell[c]]++] = c;
            }
        }

        var rowStart = new int[levels + 1];
        var column = new List<int>();
        var value = new List<double>();
        var row = new double[keptRestColumns.Length];
        var touched = new List<int>();
        var touchedBy = new int[keptRestColumns.Length]; // k + 1 once level k touched column t
        int slots = design.SlotsPerCell;
        for (int k = 0; k < levels; k++)
        {
            for (int i = start[k]; i < start[k + 1]; i++)
            {
                int c = cellsOfLevel[i];
                double sqrtW = Math.Sqrt(design.CellWeight[c]);
                for (int s = 0; s < slots; s++)
                {
                    int j = design.SlotColumn[(c * slots) + s];
                    int t = j >= 0 ? keptOf[j] : -1;
                    if (t < 0)
                    {
                        continue;
                    }

                    if (touchedBy[t] != k + 1)
                    {
                        touchedBy[t] = k + 1;
                        touched.Add(t);
                    }

                    row[t] += absorbedValueOfCell[c] * (sqrtW * design.SlotValue[(c * slots) + s]);
                }
            }

            touched.Sort();
            foreach (int t in touched)
            {
                column.Add(t);
                value.Add(row[t]);
                row[t] = 0;
            }

            touched.Clear();
            rowStart[k + 1] = column.Count;
        }

        return new CrossProduct(rowStart, [.. column], [.. value]);
    }

    /// <summary>result = B·x (x over the kept columns, result over the levels).</summary>
    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        for (int k = 0; k < _rowStart.Length - 1; k++)
        {
            double sum = 0;
            for (int i = _rowStart[k]; i < _rowStart[k + 1]; i++)
            {
                sum += _value[i] * x[_column[i]];
            }

            result[k] = sum;
        }
    }

    /// <summary>result = Bᵀ·z (z over the levels, result over the kept columns), levels in ascending order.</summary>
    public void MultiplyTransposed(ReadOnlySpan<double> z, Span<double> result)
    {
        result.Clear();
        for (int k = 0; k < _rowStart.Length - 1; k++)
        {
            double zk = z[k];
            for (int i = _rowStart[k]; i < _rowStart[k + 1]; i++)
            {
                result[_column[i]] += _value[i] * zk;
            }
        }
    }
}
