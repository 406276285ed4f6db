// CovariateSolve: the covariates' coefficients once the factors are absorbed (Frisch & Waugh 1933,
// Lovell 1963: regressing the residualised target on the residualised covariates gives exactly the
// covariates' coefficients of the full model).
//
// Objective: min_β ||ỹ − X̃β||₂ over the kept covariates, X̃ and ỹ the residuals after the factors.
// Method: Householder QR of [X̃ ỹ] as a tall-skinny QR (Demmel, Grigori, Hoemmen & Langou 2012,
//   "Communication-optimal parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput.
//   34(1)): each fixed chunk of rows is factored on its own, the chunks' R factors are stacked in
//   chunk order and factored again. R = [R₁₁ r₁₂; 0 ρ]: β = R₁₁⁻¹r₁₂, ρ² the residual sum of
//   squares. Then one step of refinement by the corrected semi-normal equations (Björck 1987,
//   "Stability analysis of the method of seminormal equations", LAA 88/89): e = ỹ − X̃β,
//   R₁₁ᵀR₁₁δ = X̃ᵀe, β += δ.
// Rank: covariates are taken in formula order; one whose R diagonal is at most
//   CollinearTolerance times its residualised norm is a combination of the earlier ones (to that
//   precision) and is left out ("of collinear columns the earliest is kept").
// Invariant: chunk boundaries depend only on the row count, chunks' results combine in chunk order:
//   same bits for any thread count.
// Cost: O(n·(k+1)²) flops in parallel, plus O(n·k) for the refinement; memory O(chunks·(k+1)²).
namespace Keel.Solvers.FixedEffects;

/// <summary>The covariates' solution: which were kept, β over them, and R₁₁ for the covariance.</summary>
/// <param name="Kept">Indexes (into the covariates given) of the columns solved, ascending.</param>
/// <param name="Beta">β by kept column.</param>
/// <param name="R">R₁₁ of the kept columns, row-major kept × kept (upper triangular).</param>
/// <param name="Collinear">Covariates left out as combinations of earlier ones.</param>
internal sealed record CovariateSolution(int[] Kept, double[] Beta, double[] R, int[] Collinear);

internal static class CovariateSolve
{
    /// <summary>|R_jj| ≤ this · ||x̃_j||: x̃_j is a combination of the earlier kept columns to about nine digits.</summary>
    public const double CollinearTolerance = 1e-9;

    private const int ChunkRows = 1 << 14;

    public static CovariateSolution Solve(double[][] covariates, double[] target, int[] candidates, int threads)
    {
        var kept = candidates.ToList();
        var collinear = new List<int>();
        while (true)
        {
            int p = kept.Count + 1;
            double[][] columns = [.. kept.Select(j => covariates[j]), target];
            double[] r = TallSkinnyR(columns, threads);
            int drop = -1;
            for (int j = 0; j < kept.Count && drop < 0; j++)
            {
                double norm = 0;
                for (int i = 0; i <= j; i++)
                {
                    norm += r[(i * p) + j] * r[(i * p) + j];
                }

                if (!(Math.Abs(r[(j * p) + j]) > CollinearTolerance * Math.Sqrt(norm)))
                {
                    drop = j;
                }
            }

            if (drop >= 0)
            {
                collinear.Add(kept[drop]);
                kept.RemoveAt(drop);
                continue;
            }

            int k = kept.Count;
            var r11 = new double[k * k];
            var rhs = new double[k];
            for (int i = 0; i < k; i++)
            {
                for (int j = i; j < k; j++)
                {
                    r11[(i * k) + j] = r[(i * p) + j];
                }

                rhs[i] = r[(i * p) + k];
            }

            double[] beta = BackSubstitute(r11, rhs, k);
            Refine(columns, target, r11, beta, threads);
            return new CovariateSolution([.. kept], beta, r11, [.. collinear.Order()]);
        }
    }

    /// <summary>Solves R₁₁ᵀR₁₁x = g (R₁₁ row-major upper triangular k × k).</summary>
    public static double[] SolveNormal(double[] r11, double[] g, int k)
    {
        var y = new double[k];
        for (int i = 0; i < k; i++)
        {
            double s = g[i];
            for (int j = 0; j < i; j++)
            {
                s -= r11[(j * k) + i] * y[j];
            }

            y[i] = s / r11[(i * k) + i];
        }

        return BackSubstitute(r11, y, k);
    }

    /// <summary>Solves R₁₁x = b (R₁₁ row-major upper triangular k × k).</summary>
    public static double[] BackSubstitute(double[] r11, double[] b, int k)
    {
        var x = new double[k];
        for (int i = k - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int j = i + 1; j < k; j++)
            {
                s -= r11[(i * k) + j] * x[j];
            }

            x[i] = s / r11[(i * k) + i];
        }

        return x;
    }

    // One step of corrected semi-normal equations: δ from R₁₁ᵀR₁₁δ = X̃ᵀ(ỹ − X̃β).
    private static void Refine(double[][] columns, double[] target, double[] r11, double[] beta, int threads)
    {
        int k = beta.Length;
        if (k == 0)
        {
            return;
        }

        int n = target.Length;
        int chunks = Math.Max(1, (n + ChunkRows - 1) / ChunkRows);
        var partial = new double[chunks * k];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            int end = Math.Min(n, (c + 1) * ChunkRows);
            Span<double> g = partial.AsSpan(c * k, k);
            for (int i = c * ChunkRows; i < end; i++)
            {
                double e = RowCovariance.Residual(columns, target, beta, i);
                for (int j = 0; j < k; j++)
                {
                    g[j] += columns[j][i] * e;
                }
            }
        });
        var gradient = new double[k];
        for (int c = 0; c < chunks; c++)
        {
            for (int j = 0; j < k; j++)
            {
                gradient[j] += partial[(c * k) + j];
            }
        }

        double[] delta = SolveNormal(r11, gradient, k);
        for (int j = 0; j < k; j++)
        {
            beta[j] += delta[j];
        }
    }

    // R (p × p, row-major, upper) of the n × p matrix whose columns are given: TSQR over fixed chunks.
    private static double[] TallSkinnyR(double[][] columns, int threads)
    {
        int p = columns.Length;
        int n = columns[0].Length;
        int chunks = Math.Max(1, (n + ChunkRows - 1) / ChunkRows);
        var stacked = new double[chunks * p * p];
        using var buffers = new ThreadLocal<double[]>(() => new double[ChunkRows * p]);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            int from = c * ChunkRows;
            int m = Math.Min(n, from + ChunkRows) - from;
            double[] a = buffers.Value!;  // column-major m × p, one buffer per thread (fresh memory costs page faults)
            for (int j = 0; j < p; j++)
            {
                columns[j].AsSpan(from, m).CopyTo(a.AsSpan(j * m, m));
            }

            Householder(a, m, p);
            for (int i = 0; i < Math.Min(m, p); i++)
            {
                for (int j = i; j < p; j++)
                {
                    stacked[(c * p * p) + (i * p) + j] = a[(j * m) + i];
                }
            }
        });

        // Stack the chunks' R factors (chunk order) and factor again.
        int rows = chunks * p;
        var all = new double[rows * p];
        for (int c = 0; c < chunks; c++)
        {
            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    all[(j * rows) + (c * p) + i] = stacked[(c * p * p) + (i * p) + j];
                }
            }
        }

        Householder(all, rows, p);
        var r = new double[p * p];
        for (int i = 0; i < Math.Min(rows, p); i++)
        {
            for (int j = i; j < p; j++)
            {
                r[(i * p) + j] = all[(j * rows) + i];
            }
        }

        return r;
    }

    // In-place Householder QR of a column-major m × p matrix; R is left in the upper triangle.
    // Reflector H = I − vvᵀ/(vᵀv·½)… in the LAPACK form: v = x − αe₁ with α = −sign(x₁)||x||.
    private static void Householder(double[] a, int m, int p)
    {
        for (int j = 0; j < Math.Min(m, p); j++)
        {
            int col = j * m;
            double scale = 0;
            for (int i = j; i < m; i++)
            {
                scale = Math.Max(scale, Math.Abs(a[col + i]));
            }

            if (scale == 0)
            {
                continue;
            }

            double norm2 = 0;
            for (int i = j; i < m; i++)
            {
                double t = a[col + i] / scale;
                norm2 += t * t;
            }

            double norm = scale * Math.Sqrt(norm2);
            double alpha = a[col + j] > 0 ? -norm : norm;
            double v0 = a[col + j] - alpha;
            a[col + j] = v0;

            // vᵀv = 2·norm·(norm + |x₁|) = −2·alpha·v0 for the reflector H = I − 2vvᵀ/(vᵀv).
            double vv = -alpha * v0;
            for (int k = j + 1; k < p; k++)
            {
                int other = k * m;
                double dot = 0;
                for (int i = j; i < m; i++)
                {
                    dot += a[col + i] * a[other + i];
                }

                double f = dot / vv;
                for (int i = j; i < m; i++)
                {
                    a[other + i] -= f * a[col + i];
                }
            }

            a[col + j] = alpha;
            for (int i = j + 1; i < m; i++)
            {
                a[col + i] = 0;
            }
        }
    }
}
