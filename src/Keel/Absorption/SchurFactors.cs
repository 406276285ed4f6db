// Factors L with L·Lᵀ ≈ S for the Schur-complement preconditioner: exact dense Cholesky, sparse
// Cholesky of P·S·Pᵀ on a given pattern (complete on the fill pattern of a minimum-degree order, or
// incomplete IC(0) on S's own pattern), or the diagonal of S.
//
// Objective: apply L⁻¹ and L⁻ᵀ to a vector (SolveLower, SolveUpper) for the right preconditioner of
//   SchurPreconditionedOperator.
// References: Golub & Van Loan, Matrix Computations (4th ed.), §3.1 (triangular systems) and §11.5.8
//   (incomplete Cholesky); Meijerink & van der Vorst (1977), "An iterative solution method for linear
//   systems of which the coefficient matrix is a symmetric M-matrix", Math. Comp. 31:148–162 (IC(0)
//   on the sparsity pattern of S, guaranteed to exist for M-matrices); Manteuffel (1980), "An
//   incomplete factorization technique for positive definite linear systems", Math. Comp. 34:473–497
//   (the diagonal shift S + α·diag(S) that restores positive pivots when IC(0) breaks down).
// Invariant: every sum runs in one fixed order (row order, then column order within a row), serial,
//   so the bits depend only on S.
// Cost: dense r² per solve; sparse nnz(L) per solve and Σ_i Σ_{k∈row i}(nnz_i + nnz_k) to factor.

namespace Keel.Absorption;

/// <summary>A lower-triangular L with L·Lᵀ ≈ S, applied by triangular solves in place.</summary>
internal interface ISchurFactor
{
    /// <summary>Order of S.</summary>
    int Size { get; }

    /// <summary>How L approximates S, for the solver's reason.</summary>
    string Description { get; }

    /// <summary>True when L·Lᵀ = S up to rounding (a complete Cholesky of S itself, no shift): R⁻¹R⁻ᵀ is then (AᵀA)⁻¹.</summary>
    bool IsExact { get; }

    /// <summary>v ← L⁻¹·v.</summary>
    void SolveLower(Span<double> v);

    /// <summary>v ← L⁻ᵀ·v.</summary>
    void SolveUpper(Span<double> v);
}

/// <summary>Exact Cholesky factor of S, dense row-major (from the rank decision's factorisation).</summary>
internal sealed class DenseSchurFactor : ISchurFactor
{
    private readonly double[] _l;

    /// <summary>Takes L row-major r×r (lower triangle used).</summary>
    public DenseSchurFactor(double[] l, int size)
    {
        _l = l;
        Size = size;
    }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public string Description => $"exact Cholesky of the {Size}-column Schur complement";

    /// <inheritdoc/>
    public bool IsExact => true;

    /// <inheritdoc/>
    public void SolveLower(Span<double> v)
    {
        int r = Size;
        for (int i = 0; i < r; i++)
        {
            double s = v[i];
            int row = i * r;
            for (int t = 0; t < i; t++)
            {
                s -= _l[row + t] * v[t];
            }

            v[i] = s / _l[row + i];
        }
    }

    /// <summary>u = L·Lᵀ·v (= S·v to rounding), row by row in a fixed order (the condition estimate's σ_max).</summary>
    public void MultiplyGram(ReadOnlySpan<double> v, Span<double> u)
    {
        int r = Size;
        var upper = new double[r]; // Lᵀ·v
        for (int i = 0; i < r; i++)
        {
            int row = i * r;
            for (int t = 0; t <= i; t++)
            {
                upper[t] += _l[row + t] * v[i];
            }
        }

        for (int i = 0; i < r; i++)
        {
            int row = i * r;
            double s = 0;
            for (int t = 0; t <= i; t++)
            {
                s += _l[row + t] * upper[t];
            }

            u[i] = s;
        }
    }

    /// <inheritdoc/>
    public void SolveUpper(Span<double> v)
    {
        int r = Size;
        for (int i = r - 1; i >= 0; i--)
        {
            int row = i * r;
            double xi = v[i] / _l[row + i];
            v[i] = xi;
            for (int t = 0; t < i; t++)
            {
                v[t] -= _l[row + t] * xi;
            }
        }
    }
}

/// <summary>L = diag(S)^½: Jacobi preconditioning of S.</summary>
internal sealed class DiagonalSchurFactor(double[] sqrtDiagonal) : ISchurFactor
{
    /// <inheritdoc/>
    public int Size => sqrtDiagonal.Length;

    /// <inheritdoc/>
    public string Description => $"the diagonal of the {Size}-column Schur complement (its level graph is too dense for a sparse factor to pay)";

    /// <inheritdoc/>
    public bool IsExact => false;

    /// <inheritdoc/>
    public void SolveLower(Span<double> v)
    {
        for (int i = 0; i < v.Length; i++)
        {
            v[i] /= sqrtDiagonal[i];
        }
    }

    /// <inheritdoc/>
    public void SolveUpper(Span<double> v) => SolveLower(v);
}

/// <summary>
/// Sparse Cholesky of P·S·Pᵀ on a given lower pattern (rows in CSR with the diagonal last): the
/// complete factor when the pattern is S's full fill pattern in that order (then L·Lᵀ = S up to
/// rounding), IC(0) when it is S's own pattern. L = Pᵀ·L̃, so SolveLower is L̃⁻¹·P and SolveUpper Pᵀ·L̃⁻ᵀ.
/// </summary>
internal sealed class SparseCholeskyFactor : ISchurFactor
{
    private readonly int[] _rowStart;
    private readonly int[] _column;
    private readonly double[] _value;
    private readonly int[] _order;      // order[i]: the node at position i
    private readonly double[] _permuted;
    private readonly bool _complete;

    private SparseCholeskyFactor(int[] rowStart, int[] column, double[] value, int[] order, bool complete, double shift)
    {
        _rowStart = rowStart;
        _column = column;
        _value = value;
        _order = order;
        _complete = complete;
        _permuted = new double[order.Length];
        Shift = shift;
    }

    /// <inheritdoc/>
    public int Size => _rowStart.Length - 1;

    /// <summary>α of the factorised S + α·diag(S) (0 when the pivots of S itself were positive).</summary>
    public double Shift { get; }

    /// <inheritdoc/>
    public bool IsExact => _complete && Shift == 0;

    /// <summary>Entries of L (with the diagonal).</summary>
    public int NonZeros => _rowStart[^1];

    /// <inheritdoc/>
    public string Description => (_complete
        ? $"sparse Cholesky in minimum-degree order of the {Size}-column Schur complement ({NonZeros} entries"
        : $"incomplete Cholesky IC(0) in degree order of the sparse {Size}-column Schur complement ({NonZeros} entries")
        + (Shift == 0 ? ")" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $", diagonal shifted by {Shift:G2}·diag)"));

    /// <summary>
    /// Factors S (lower triangle in CSR over nodes, columns ascending, diagonal last) in the order
    /// <paramref name="order"/>, on the pattern of L̃ given by <paramref name="later"/> (each node's
    /// neighbours when eliminated; null for IC(0) on S's own pattern). A pivot below
    /// <paramref name="pivotFloor"/>·S_ii restarts on S + α·diag(S), α = 2^-10, 2^-8, … (Manteuffel 1980).
    /// </summary>
    public static SparseCholeskyFactor Factor(int[] rowStart, int[] column, double[] lowerOfS, int[] order, int[][]? later, double pivotFloor)
    {
        int n = order.Length;
        var position = new int[n];
        for (int i = 0; i < n; i++)
        {
            position[order[i]] = i;
        }

        var rows = new List<int>[n];
        for (int i = 0; i < n; i++)
        {
            rows[i] = [];
        }

        if (later is not null)
        {
            foreach (int v in order)
            {
                foreach (int w in later[v])
                {
                    rows[position[w]].Add(position[v]);
                }
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
                {
                    int k = column[e];
                    if (k != i)
                    {
                        rows[Math.Max(position[i], position[k])].Add(Math.Min(position[i], position[k]));
                    }
                }
            }
        }

        var start = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            rows[i].Sort();
            rows[i].Add(i);
            start[i + 1] = start[i] + rows[i].Count;
        }

        var pattern = new int[start[n]];
        for (int i = 0; i < n; i++)
        {
            rows[i].CopyTo(pattern, start[i]);
        }

        var values = new double[start[n]];
        for (int i = 0; i < n; i++)
        {
            for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
            {
                int pi = position[i], pk = position[column[e]];
                int row = Math.Max(pi, pk), col = Math.Min(pi, pk);
                int at = Array.BinarySearch(pattern, start[row], start[row + 1] - start[row], col);
                values[at] += lowerOfS[e];
            }
        }

        double shift = 0;
        while (true)
        {
            var value = (double[])values.Clone();
            if (TryFactor(start, pattern, value, shift, pivotFloor))
            {
                return new SparseCholeskyFactor(start, pattern, value, order, later is not null, shift);
            }

            shift = shift == 0 ? Math.ScaleB(1.0, -10) : shift * 4;
        }
    }

    /// <inheritdoc/>
    public void SolveLower(Span<double> v)
    {
        double[] z = _permuted;
        for (int i = 0; i < Size; i++)
        {
            z[i] = v[_order[i]];
        }

        for (int i = 0; i < Size; i++)
        {
            double s = z[i];
            int end = _rowStart[i + 1] - 1;
            for (int e = _rowStart[i]; e < end; e++)
            {
                s -= _value[e] * z[_column[e]];
            }

            z[i] = s / _value[end];
        }

        z.CopyTo(v);
    }

    /// <inheritdoc/>
    public void SolveUpper(Span<double> v)
    {
        double[] z = _permuted;
        v.CopyTo(z);
        for (int i = Size - 1; i >= 0; i--)
        {
            int end = _rowStart[i + 1] - 1;
            double xi = z[i] / _value[end];
            z[i] = xi;
            for (int e = _rowStart[i]; e < end; e++)
            {
                z[_column[e]] -= _value[e] * xi;
            }
        }

        for (int i = 0; i < Size; i++)
        {
            v[_order[i]] = z[i];
        }
    }

    // Row-oriented (up-looking) factorisation on the given pattern: L_ik = (S_ik − Σ_{j<k} L_ij·L_kj)/L_kk
    // over the common pattern of rows i and k, then L_ii = √(S_ii(1 + α) − Σ_{j<i} L_ij²). Row i is
    // scattered into a column → slot map, so each L_ik costs the length of row k only. False when a
    // pivot is not safely positive.
    private static bool TryFactor(int[] rowStart, int[] column, double[] l, double shift, double pivotFloor)
    {
        int n = rowStart.Length - 1;
        var slotOf = new int[n];
        Array.Fill(slotOf, -1);
        for (int i = 0; i < n; i++)
        {
            int start = rowStart[i], diag = rowStart[i + 1] - 1;
            for (int e = start; e < diag; e++)
            {
                slotOf[column[e]] = e;
            }

            for (int e = start; e < diag; e++)
            {
                int k = column[e];
                int kDiag = rowStart[k + 1] - 1;
                double s = l[e];
                for (int b = rowStart[k]; b < kDiag; b++)
                {
                    int a = slotOf[column[b]];
                    if (a >= 0 && a < e)
                    {
                        s -= l[a] * l[b];
                    }
                }

                l[e] = s / l[kDiag];
            }

            for (int e = start; e < diag; e++)
            {
                slotOf[column[e]] = -1;
            }

            double sii = l[diag] + (shift * l[diag]);
            double pivot = sii;
            for (int e = start; e < diag; e++)
            {
                pivot -= l[e] * l[e];
            }

            if (!(pivot > pivotFloor * sii))
            {
                return false;
            }

            l[diag] = Math.Sqrt(pivot);
        }

        return true;
    }
}
