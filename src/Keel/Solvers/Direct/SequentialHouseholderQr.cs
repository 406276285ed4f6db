// Householder QR of a dense column-major matrix, processed column by column in design order,
// with a sequential rank decision instead of column pivoting.
//
// Objective: A(:, K) = Q [R; 0] for the kept columns K. Column j is kept when, after the
// reflections of the earlier kept columns, the remaining part w(k:m) of the column has
// norm rho_j > tau · nu_j, nu_j = ||a_j|| (k = number of columns kept before j); otherwise it
// is aliased and its leading part w(0:k) holds its coordinates on the kept columns before it.
//
// Reference: Golub & Van Loan (2013), Matrix Computations, 4th ed., §5.1.2 (the Householder
// vector), §5.2.2 (Householder QR), §5.4 (rank deficiency). The vector is stored in the LAPACK
// dlarfg convention v(0) = 1, H = I - tauH·v·v', R(k,k) = beta = -sign(alpha)·rho.
//
// Invariant: once column j is processed, kept slots 0..k-1 hold R(0:k, 0:k) on and above the
// diagonal and the tails of v below it, and they never change again. Hence the dependency of
// an aliased column on the kept columns before it is R(0:k, 0:k)^{-1} w(0:k) (the callers
// compute it by a refined solve with the leading k columns), and with no pivoting the earliest
// of collinear columns is the one kept: [A, B, A] keeps A and B. Inner products are pairwise
// (Kernels.PairwiseDot), so the rounding left in an exactly dependent column does not grow with m;
// every loop runs in one fixed order (no threads, no SIMD-width dependence).
//
// Cost: about 2·m·n·r − r³ flops for rank r (left-looking: column j receives the k earlier
// reflections, 4·(m − i) flops each); storage m·min(m, n) for the factors.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Direct;

/// <summary>A column that the sequential rank decision found aliased.</summary>
/// <param name="Column">The design column index j.</param>
/// <param name="KeptBefore">k, the number of columns kept before j: its dependency lives on kept positions 0..k-1.</param>
internal sealed record AliasedRemainder(int Column, int KeptBefore);

/// <summary>Householder QR in design order with sequential rank decisions (see file header).</summary>
internal sealed class SequentialHouseholderQr
{
    private readonly double[] _factors;
    private readonly double[] _tauHByKept;
    private readonly List<int> _keptColumns = [];
    private readonly List<AliasedRemainder> _aliased = [];

    private SequentialHouseholderQr(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        int capacity = Math.Min(rows, columns);
        _factors = new double[checked(rows * capacity)];
        _tauHByKept = new double[capacity];
        RemainderRatioByColumn = new double[columns];
    }

    /// <summary>m, the number of rows.</summary>
    public int Rows { get; }

    /// <summary>n, the number of design columns.</summary>
    public int Columns { get; }

    /// <summary>The number of kept columns r.</summary>
    public int Rank => _keptColumns.Count;

    /// <summary>Kept design columns in design order; kept position p is design column KeptColumns[p].</summary>
    public IReadOnlyList<int> KeptColumns => _keptColumns;

    /// <summary>Aliased design columns in design order, with the number of columns kept before each.</summary>
    public IReadOnlyList<AliasedRemainder> Aliased => _aliased;

    /// <summary>rho_j / nu_j for every design column: how far it stands out of the span of the kept columns before it.</summary>
    public double[] RemainderRatioByColumn { get; }

    /// <summary>
    /// Factorises the column-major m × n matrix <paramref name="a"/> (not modified), deciding
    /// column by column: aliased when rho_j &lt;= <paramref name="rankTolerance"/> · nu_j, or when
    /// m columns are already kept. A negative tolerance keeps every column while k &lt; m (the
    /// plain triangularisation used before a Jacobi SVD; R may then have zeros on its diagonal).
    /// </summary>
    public static SequentialHouseholderQr Factor(ReadOnlySpan<double> a, int rows, int columns, double rankTolerance)
    {
        if (a.Length != checked(rows * columns))
        {
            throw new ArgumentException($"expected {rows}·{columns} values, got {a.Length}", nameof(a));
        }

        var qr = new SequentialHouseholderQr(rows, columns);
        var w = new double[rows];
        for (int j = 0; j < columns; j++)
        {
            a.Slice(j * rows, rows).CopyTo(w);
            double nu = Kernels.PairwiseNorm2(w);
            int k = qr.Rank;
            for (int i = 0; i < k; i++)
            {
                qr.ApplyReflection(i, w);
            }

            // Here w = H_{k-1}···H_0 a_j: w(0:k) are its coordinates on the kept columns, w(k:m) the rest.
            double rho = Kernels.PairwiseNorm2(w.AsSpan(k));
            qr.RemainderRatioByColumn[j] = nu > 0 ? rho / nu : 0.0;
            if (k == rows || rho <= rankTolerance * nu)
            {
                // Aliased: a_j lies within tau·nu_j of the span of the kept columns before it.
                qr._aliased.Add(new AliasedRemainder(j, k));
                continue;
            }

            qr.AppendHouseholder(w, rho);
            qr._keptColumns.Add(j);
        }

        return qr;
    }

    /// <summary>R(i, j) for kept positions i, j (zero below the diagonal).</summary>
    public double R(int i, int j)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(j, Rank);
        return i <= j ? _factors[i + (j * Rows)] : 0.0;
    }

    /// <summary>
    /// y := Q_k'y = H_{k-1}···H_0 y for y of length m, with Q_k the factor of the first
    /// <paramref name="size"/> = k kept columns (all of them when k = Rank).
    /// </summary>
    public void ApplyQTransposed(Span<double> y, int size)
    {
        CheckLength(y.Length, Rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Rank);
        for (int i = 0; i < size; i++)
        {
            ApplyReflection(i, y);
        }
    }

    /// <summary>y := Q_k y = H_0···H_{k-1} y for y of length m (k = <paramref name="size"/> &lt;= Rank).</summary>
    public void ApplyQ(Span<double> y, int size)
    {
        CheckLength(y.Length, Rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Rank);
        for (int i = size - 1; i >= 0; i--)
        {
            ApplyReflection(i, y);
        }
    }

    /// <summary>
    /// Solves R(0:size, 0:size) x = rhs in place (back substitution by columns, fixed order).
    /// x has length <paramref name="size"/> &lt;= Rank.
    /// </summary>
    public void SolveR(Span<double> x, int size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Rank);
        CheckLength(x.Length, size);
        for (int l = size - 1; l >= 0; l--)
        {
            ReadOnlySpan<double> column = _factors.AsSpan(l * Rows, l + 1);
            x[l] /= column[l];
            // Here x(l:size) is final; remove its column l contribution from the rows above.
            Kernels.Axpy(-x[l], column[..l], x[..l]);
        }
    }

    /// <summary>Solves R(0:k, 0:k)' h = g in place (forward substitution), k = h.Length &lt;= Rank.</summary>
    public void SolveRTransposed(Span<double> h)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(h.Length, Rank);
        for (int i = 0; i < h.Length; i++)
        {
            ReadOnlySpan<double> column = _factors.AsSpan(i * Rows, i + 1);
            h[i] = (h[i] - Kernels.PairwiseDot(column[..i], h[..i])) / column[i];
        }
    }

    /// <summary>R (r × r, upper triangular) as a dense matrix.</summary>
    public DenseMatrix UpperTriangle()
    {
        var r = new DenseMatrix(Rank, Rank);
        for (int j = 0; j < Rank; j++)
        {
            _factors.AsSpan(j * Rows, j + 1).CopyTo(r.Column(j));
        }

        return r;
    }

    /// <summary>R^{-1} (upper triangular, r × r), column j solving R z = e_j on its leading j+1 rows.</summary>
    public DenseMatrix InverseR()
    {
        var inverse = new DenseMatrix(Rank, Rank);
        for (int j = 0; j < Rank; j++)
        {
            Span<double> z = inverse.Column(j)[..(j + 1)];
            z[j] = 1.0;
            SolveR(z, j + 1);
        }

        return inverse;
    }

    private void AppendHouseholder(ReadOnlySpan<double> w, double rho)
    {
        int k = Rank;
        Span<double> slot = _factors.AsSpan(k * Rows, Rows);
        w[..k].CopyTo(slot);
        double alpha = w[k];
        if (rho == 0)
        {
            // Only in keep-every-column mode: the tail is already zero, so H = I (tauH = 0).
            slot[k..].Clear();
            _tauHByKept[k] = 0.0;
            return;
        }

        // beta takes the sign opposite to alpha so alpha - beta involves no cancellation (GVL §5.1.3).
        double beta = -Math.CopySign(rho, alpha);
        double pivot = alpha - beta;
        slot[k] = beta;
        for (int i = k + 1; i < Rows; i++)
        {
            slot[i] = w[i] / pivot;
        }

        _tauHByKept[k] = (beta - alpha) / beta;
    }

    /// <summary>y := H_i y with H_i = I - tauH·v·v', v = (0, …, 0, 1, v(i+1:m)).</summary>
    private void ApplyReflection(int i, Span<double> y)
    {
        ReadOnlySpan<double> vTail = _factors.AsSpan((i * Rows) + i + 1, Rows - i - 1);
        Span<double> yTail = y[(i + 1)..];
        double s = _tauHByKept[i] * (y[i] + Kernels.PairwiseDot(vTail, yTail));
        y[i] -= s;
        Kernels.Axpy(-s, vTail, yTail);
    }

    private static void CheckLength(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"expected a vector of length {expected}, got {actual}");
        }
    }
}
