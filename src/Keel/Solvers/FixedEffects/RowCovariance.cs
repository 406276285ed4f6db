// RowCovariance: sandwich variances of the covariates on the row path, from the residualised rows.
//
// By Frisch–Waugh–Lovell the covariates' block of (ZᵀZ)⁻¹ for the full design Z = [X D] is
// B = (X̃ᵀX̃)⁻¹, and the covariates' rows of (ZᵀZ)⁻¹Zᵀ are B·X̃ᵀ; so the full dummy model's sandwich,
// restricted to the covariates, is B·M·B with M built from the residualised rows x̃_i and the
// residuals e_i (the same e_i as the full model's):
//   HC0 (White 1980): M = Σ_i e_i² x̃_i x̃_iᵀ;
//   one-way cluster (Liang & Zeger 1986; Cameron & Miller 2015 §II.C): M = Σ_g s_g s_gᵀ, s_g = Σ_{i∈g} e_i x̃_i;
//   multi-way (Cameron, Gelbach & Miller 2011, "Robust inference with multiway clustering", JBES
//   29(2), eq. 2.13): V = V_a + V_b − V_{a∩b}, each term a one-way cluster sandwich.
// The small-sample factors (which n, K and G) are the caller's: RowStandardErrors names them.
// Invariant: residuals and meat sums run over fixed chunks of the canonically ordered rows, merged
//   in chunk order; cluster sums run over the rows in order: same bits for any thread count.
// Cost: O(n·k²); cluster sums O(n·k) and O(G·k) memory.
namespace Keel.Solvers.FixedEffects;

internal static class RowCovariance
{
    private const int ChunkRows = 1 << 16;

    /// <summary>B = (R₁₁ᵀR₁₁)⁻¹ (k × k row-major) from R₁₁ row-major upper triangular.</summary>
    public static double[] Bread(double[] r11, int k)
    {
        // R⁻¹ by back substitution, column by column; then B = R⁻¹R⁻ᵀ.
        var inverse = new double[k * k];
        for (int c = 0; c < k; c++)
        {
            var unit = new double[k];
            unit[c] = 1.0;
            double[] column = CovariateSolve.BackSubstitute(r11, unit, k);
            for (int i = 0; i < k; i++)
            {
                inverse[(i * k) + c] = column[i];
            }
        }

        var b = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int l = Math.Max(i, j); l < k; l++)
                {
                    s += inverse[(i * k) + l] * inverse[(j * k) + l];
                }

                b[(i * k) + j] = s;
            }
        }

        return b;
    }

    /// <summary>The residual sum of squares Σ e_i², e = ỹ − X̃β.</summary>
    public static double ResidualSumOfSquares(double[][] x, double[] y, double[] beta, int threads) =>
        ChunkedMeat(x, y, beta, threads, squaresOnly: true)[0];

    /// <summary>HC0's meat Σ e_i² x̃_i x̃_iᵀ (k × k).</summary>
    public static double[] HeteroskedasticMeat(double[][] x, double[] y, double[] beta, int threads) =>
        ChunkedMeat(x, y, beta, threads, squaresOnly: false);

    /// <summary>One-way cluster meat Σ_g s_g s_gᵀ over clusters by code (0..clusters−1).</summary>
    public static double[] ClusterMeat(double[][] x, double[] y, double[] beta, int[] cluster, int clusters)
    {
        int k = beta.Length;
        var score = new double[(long)clusters * k];
        for (int i = 0; i < y.Length; i++)
        {
            double e = Residual(x, y, beta, i);
            long at = (long)cluster[i] * k;
            for (int j = 0; j < k; j++)
            {
                score[at + j] += e * x[j][i];
            }
        }

        var meat = new double[k * k];
        for (long g = 0; g < clusters; g++)
        {
            for (int a = 0; a < k; a++)
            {
                for (int b = 0; b < k; b++)
                {
                    meat[(a * k) + b] += score[(g * k) + a] * score[(g * k) + b];
                }
            }
        }

        return meat;
    }

    /// <summary>Codes of the intersection clusters of two cluster columns (numbered by first appearance in row order).</summary>
    public static int[] Intersection(int[] a, int[] b, out int clusters)
    {
        var ids = new Dictionary<long, int>();
        var codes = new int[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            long key = ((long)a[i] << 32) | (uint)b[i];
            if (!ids.TryGetValue(key, out int id))
            {
                id = ids.Count;
                ids[key] = id;
            }

            codes[i] = id;
        }

        clusters = ids.Count;
        return codes;
    }

    /// <summary>B·M·B, symmetric k × k.</summary>
    public static double[] Sandwich(double[] bread, double[] meat, int k)
    {
        var bm = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int l = 0; l < k; l++)
                {
                    s += bread[(i * k) + l] * meat[(l * k) + j];
                }

                bm[(i * k) + j] = s;
            }
        }

        var v = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                for (int l = 0; l < k; l++)
                {
                    s += bm[(i * k) + l] * bread[(l * k) + j];
                }

                v[(i * k) + j] = s;
            }
        }

        return v;
    }

    /// <summary>e_i = y_i − x_iᵀβ over the first beta.Length columns of <paramref name="x"/>, summed in column order.</summary>
    public static double Residual(double[][] x, double[] y, double[] beta, int i)
    {
        double e = y[i];
        for (int j = 0; j < beta.Length; j++)
        {
            e -= x[j][i] * beta[j];
        }

        return e;
    }

    private static double[] ChunkedMeat(double[][] x, double[] y, double[] beta, int threads, bool squaresOnly)
    {
        int k = beta.Length;
        int size = squaresOnly ? 1 : k * k;
        int n = y.Length;
        int chunks = Math.Max(1, (n + ChunkRows - 1) / ChunkRows);
        var partial = new double[chunks * size];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            int end = Math.Min(n, (c + 1) * ChunkRows);
            Span<double> m = partial.AsSpan(c * size, size);
            for (int i = c * ChunkRows; i < end; i++)
            {
                double e = Residual(x, y, beta, i);
                double e2 = e * e;
                if (squaresOnly)
                {
                    m[0] += e2;
                    continue;
                }

                for (int a = 0; a < k; a++)
                {
                    double ea = e2 * x[a][i];
                    for (int b = 0; b < k; b++)
                    {
                        m[(a * k) + b] += ea * x[b][i];
                    }
                }
            }
        });
        var total = new double[size];
        for (int c = 0; c < chunks; c++)
        {
            for (int j = 0; j < size; j++)
            {
                total[j] += partial[(c * size) + j];
            }
        }

        return total;
    }
}
