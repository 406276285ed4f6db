// Exact least squares in rational arithmetic: the oracle for the dense solver.
//
// Objective: for X (m × n, exact rationals, columns in design order) and y, the least-squares
// fit on the columns kept by the rule "a column is aliased exactly when it lies in the span of
// the kept columns before it" (so of collinear columns the earliest is kept), with
// beta_K = G_KK^{-1} X_K'y (G = X'X), RSS = ||y − X_K beta_K||², Cov = G_KK^{-1}, and for each
// aliased column j its exact dependency a_j = Σ z_k a_k, z = G_KK^{-1} G_Kj.
// Reference: the normal equations are exact here (no rounding), so their conditioning is
// irrelevant; the squared remainder of a_j after projection on the kept columns is the Schur
// complement d_j = G_jj − G_jK G_KK^{-1} G_Kj, and d_j = 0 decides aliasing exactly.
// Cost: O(n⁴) rational operations (one elimination per column), for small designs only.

namespace Keel.Tests.TestSupport;

/// <summary>The exact fit (all values exact rationals).</summary>
internal sealed record RationalFit(
    IReadOnlyList<int> KeptColumns,
    IReadOnlyDictionary<int, Rational[]> DependencyByAliasedColumn,
    Rational[] Coefficients,
    Rational ResidualSumOfSquares,
    Rational[][] Covariance);

/// <summary>Exact least squares by fraction Gaussian elimination on the normal equations.</summary>
internal static class RationalLeastSquares
{
    /// <summary>Fits y on the columns of X; <paramref name="columns"/>[j][i] is X(i, j).</summary>
    public static RationalFit Fit(Rational[][] columns, Rational[] y)
    {
        int n = columns.Length;
        var gram = new Rational[n][];
        var xty = new Rational[n];
        for (int j = 0; j < n; j++)
        {
            gram[j] = new Rational[n];
            xty[j] = Dot(columns[j], y);
            for (int k = 0; k < n; k++)
            {
                gram[j][k] = Dot(columns[j], columns[k]);
            }
        }

        var kept = new List<int>();
        var dependencies = new Dictionary<int, Rational[]>();
        for (int j = 0; j < n; j++)
        {
            Rational[] z = Solve(Block(gram, kept, kept), kept.Select(k => gram[k][j]).ToArray());
            Rational d = gram[j][j];
            for (int p = 0; p < kept.Count; p++)
            {
                d -= gram[j][kept[p]] * z[p];
            }

            if (d.IsZero)
            {
                dependencies[j] = z;
            }
            else
            {
                kept.Add(j);
            }
        }

        Rational[][] gKK = Block(gram, kept, kept);
        Rational[] beta = Solve(gKK, kept.Select(k => xty[k]).ToArray());
        Rational rss = Rational.Zero;
        for (int i = 0; i < y.Length; i++)
        {
            Rational fitted = Rational.Zero;
            for (int p = 0; p < kept.Count; p++)
            {
                fitted += columns[kept[p]][i] * beta[p];
            }

            Rational e = y[i] - fitted;
            rss += e * e;
        }

        var covariance = new Rational[kept.Count][];
        for (int q = 0; q < kept.Count; q++)
        {
            var unit = new Rational[kept.Count];
            Array.Fill(unit, Rational.Zero);
            unit[q] = Rational.One;
            covariance[q] = Solve(gKK, unit); // column q of G_KK^{-1} (symmetric)
        }

        return new RationalFit(kept, dependencies, beta, rss, covariance);
    }

    /// <summary>Solves the nonsingular system A x = b exactly (Gaussian elimination, first nonzero pivot).</summary>
    public static Rational[] Solve(Rational[][] a, Rational[] b)
    {
        int n = b.Length;
        Rational[][] m = a.Select(row => (Rational[])row.Clone()).ToArray();
        var x = (Rational[])b.Clone();
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            while (m[pivot][col].IsZero)
            {
                pivot++; // an exact zero test: any nonzero pivot is as good as another
            }

            (m[pivot], m[col]) = (m[col], m[pivot]);
            (x[pivot], x[col]) = (x[col], x[pivot]);
            for (int row = col + 1; row < n; row++)
            {
                if (m[row][col].IsZero)
                {
                    continue;
                }

                Rational factor = m[row][col] / m[col][col];
                for (int k = col; k < n; k++)
                {
                    m[row][k] -= factor * m[col][k];
                }

                x[row] -= factor * x[col];
            }
        }

        for (int row = n - 1; row >= 0; row--)
        {
            Rational sum = x[row];
            for (int k = row + 1; k < n; k++)
            {
                sum -= m[row][k] * x[k];
            }

            x[row] = sum / m[row][row];
        }

        return x;
    }

    private static Rational[][] Block(Rational[][] g, List<int> rows, List<int> cols) =>
        rows.Select(r => cols.Select(c => g[r][c]).ToArray()).ToArray();

    private static Rational Dot(Rational[] u, Rational[] v)
    {
        Rational sum = Rational.Zero;
        for (int i = 0; i < u.Length; i++)
        {
            sum += u[i] * v[i];
        }

        return sum;
    }
}
