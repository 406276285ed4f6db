// FixedEffectsProjection: residuals of vectors after least squares on factor indicators
// ("demeaning", the within transformation), for the Frisch–Waugh–Lovell solve of the row path.
//
// Objective: for each right-hand side v (n rows), min over α of ||v − D₀α₀ − D₂b||², D₀ the
//   indicators of the absorbing factor (the one with most levels), D₂ those of the other factors.
// Method: α₀ is eliminated exactly, α₀ = N₀⁻¹D₀ᵀ(v − D₂b) (N₀ = rows per level: a mean per
//   segment of the canonically ordered rows). What is left is the Schur complement system
//   S·b = D₂ᵀM₀v, S = D₂ᵀM₀D₂, M₀ = I − D₀N₀⁻¹D₀ᵀ (Gaure 2013, "OLS with multiple high dimensional
//   category variables", CSDA 66, §3: the same projection; here solved by conjugate gradients
//   instead of alternating projections), solved by preconditioned conjugate gradients (Hestenes &
//   Stiefel 1952; Jacobi preconditioner diag(S), or S's exact Cholesky factor on the kept levels
//   when FactorRank formed it: then one or two iterations). S is singular (each further factor has at least
//   one null direction) but the system is consistent, so CG from b = 0 converges to a solution;
//   every solution gives the same residuals. S·u is applied from the rows, never formed: per
//   segment t_i = Σ_q u[c_q(i)], then (t_i − mean(t)) is scattered to each level of the row.
// Weights (a likelihood fit's IRLS step, Solvers/Glm/RowGlm): with row weights ω the objective is
//   Σ ω·(v − D₀α₀ − D₂b)², so α₀ is the ω-weighted mean per segment, N₀ = D₀ᵀΩD₀, and
//   S = D₂ᵀΩM₀D₂ with M₀ = I − D₀N₀⁻¹D₀ᵀΩ; S·u scatters ω_i·(t_i − weighted mean(t)). A row of
//   weight 0 takes no part (a separated row). Without weights every loop is the unweighted one.
// Stopping rule: ||D₂ᵀM₀v − S·b|| ≤ Tolerance·||D₂ᵀM₀v|| for each right-hand side.
// Invariant (reproducibility): rows are in canonical order (CanonicalRowOrder); the rows are cut
//   into chunks of whole segments at boundaries that depend only on the data; each chunk sums into
//   its own partial vector and the partials are added in chunk order, so S·u, and every result,
//   has the same bits for any thread count. Dot products over levels run in index order.
// Cost per iteration: one pass over the other factors' codes (4·(q−1) bytes a row) for all
//   right-hand sides at once; memory: chunks × levels × right-hand sides doubles of partials.
using System.Runtime.CompilerServices;

namespace Keel.Solvers.FixedEffects;

/// <summary>Stopping rule of the fixed-effects projection.</summary>
internal sealed record FixedEffectsOptions
{
    /// <summary>Stop when the Schur system's residual is at most this fraction of its right-hand side's norm.</summary>
    public double Tolerance { get; init; } = 1e-12;

    /// <summary>Give up after this many conjugate-gradient iterations (the result then says not converged).</summary>
    public int MaxIterations { get; init; } = 10_000;

    public static FixedEffectsOptions Default { get; } = new();
}

/// <summary>The effects of each factor level for each right-hand side, and how the iteration ended.</summary>
/// <param name="Absorbing">α₀ by level of the absorbing factor, per right-hand side.</param>
/// <param name="Others">b by level of the other factors (their level spaces one after another), per right-hand side.</param>
internal sealed record FixedEffectsSolution(double[][] Absorbing, double[][] Others, int Iterations, bool Converged);

internal static class FixedEffectsProjection
{
    /// <summary>
    /// Replaces each vector of <paramref name="values"/> by its residual after the factor effects;
    /// <paramref name="segmentStart"/> delimits the rows of each level of the absorbing factor,
    /// <paramref name="otherCodes"/> gives the other factors' codes with <paramref name="otherLevels"/> levels each.
    /// </summary>
    /// <param name="weights">Row weights ω (non-negative), or null for unweighted least squares.</param>
    /// <param name="start">b of a nearby problem to start the iterations from (IRLS's previous step), by right-hand side; null starts from 0.</param>
    /// <param name="exactInverse">z = S⁺·g on one right-hand side's levels when S's factor is at hand (FurtherLevelsFactor.LevelPreconditioner): CG's preconditioner instead of diag(S)⁻¹, unweighted only.</param>
    public static FixedEffectsSolution Project(double[][] values, int[] segmentStart, int[][] otherCodes, int[] otherLevels, FixedEffectsOptions options, int threads, CancellationToken cancel, double[]? weights = null, double[][]? start = null, Action<double[], double[]>? exactInverse = null)
    {
        var layout = new Layout(segmentStart, otherCodes, otherLevels, values.Length, threads, weights);
        int nrhs = values.Length;
        int m = layout.Levels;
        var b = new double[nrhs][];
        for (int r = 0; r < nrhs; r++)
        {
            b[r] = start is null ? new double[m] : (double[])start[r].Clone();
        }

        int iterations = 0;
        bool converged = true;
        var clock = new SubStageClock("projection");
        if (m > 0)
        {
            (iterations, converged) = ConjugateGradients(layout, values, b, options, cancel, start is not null, exactInverse);
        }

        var absorbing = new double[nrhs][];
        for (int r = 0; r < nrhs; r++)
        {
            absorbing[r] = new double[segmentStart.Length - 1];
        }

        clock.Lap($"conjugate gradients ({iterations} iterations)");
        layout.Residuals(values, b, absorbing);
        clock.Lap("residuals");
        return new FixedEffectsSolution(absorbing, b, iterations, converged);
    }

    private static (int Iterations, bool Converged) ConjugateGradients(Layout layout, double[][] values, double[][] b, FixedEffectsOptions options, CancellationToken cancel, bool warm = false, Action<double[], double[]>? exactInverse = null)
    {
        int nrhs = values.Length;
        int m = layout.Levels;

        // Interleaved by level: u[j·nrhs + r], so one row pass serves every right-hand side.
        var clock = new SubStageClock("projection");
        double[] rhs = layout.ProjectedRightHandSide(values);
        clock.Lap("right-hand sides");
        double[] inverseDiagonal = exactInverse is null ? layout.InverseDiagonal() : [];
        clock.Lap("preconditioner");
        var residual = (double[])rhs.Clone();
        if (warm)
        {
            // r = D₂ᵀM₀v − S·b from the given start (the stopping rule stays relative to D₂ᵀM₀v).
            var start = new double[m * nrhs];
            for (int r = 0; r < nrhs; r++)
            {
                for (int j = 0; j < m; j++)
                {
                    start[(j * nrhs) + r] = b[r][j];
                }
            }

            var product = new double[m * nrhs];
            layout.ApplySchur(start, product);
            for (int i = 0; i < residual.Length; i++)
            {
                residual[i] -= product[i];
            }
        }

        var z = new double[m * nrhs];
        var p = new double[m * nrhs];
        var ap = new double[m * nrhs];
        var rz = new double[nrhs];
        var bound = new double[nrhs];
        var done = new bool[nrhs];
        for (int r = 0; r < nrhs; r++)
        {
            bound[r] = options.Tolerance * Math.Sqrt(Dot(rhs, rhs, r, nrhs, m));
            done[r] = bound[r] == 0;
            if (warm && bound[r] == 0)
            {
                // A zero right-hand side has the solution 0 whatever the start.
                Array.Clear(b[r]);
            }
            else if (warm)
            {
                done[r] = Math.Sqrt(Dot(residual, residual, r, nrhs, m)) <= bound[r];
            }
        }

        Precondition(residual, inverseDiagonal, exactInverse, z, nrhs, m);
        Array.Copy(z, p, z.Length);
        for (int r = 0; r < nrhs; r++)
        {
            rz[r] = Dot(residual, z, r, nrhs, m);
        }

        int iteration = 0;
        while (!done.All(d => d) && iteration < options.MaxIterations)
        {
            cancel.ThrowIfCancellationRequested();
            iteration++;
            layout.ApplySchur(p, ap);
            for (int r = 0; r < nrhs; r++)
            {
                if (done[r])
                {
                    continue;
                }

                double pap = Dot(p, ap, r, nrhs, m);
                if (!(pap > 0))
                {
                    // p is in S's null space: the residual is already orthogonal to S's range.
                    done[r] = true;
                    continue;
                }

                double alpha = rz[r] / pap;
                double[] x = b[r];
                for (int j = 0; j < m; j++)
                {
                    int at = (j * nrhs) + r;
                    x[j] += alpha * p[at];
                    residual[at] -= alpha * ap[at];
                }

                done[r] = Math.Sqrt(Dot(residual, residual, r, nrhs, m)) <= bound[r];
            }

            Precondition(residual, inverseDiagonal, exactInverse, z, nrhs, m);
            for (int r = 0; r < nrhs; r++)
            {
                double next = Dot(residual, z, r, nrhs, m);
                double beta = done[r] ? 0 : next / rz[r];
                rz[r] = next;
                for (int j = 0; j < m; j++)
                {
                    int at = (j * nrhs) + r;
                    p[at] = done[r] ? 0 : z[at] + (beta * p[at]);
                }
            }
        }

        return (iteration, done.All(d => d));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Precondition(double[] residual, double[] inverseDiagonal, Action<double[], double[]>? exactInverse, double[] z, int nrhs, int m)
    {
        if (exactInverse is not null)
        {
            // One right-hand side at a time through S's factor: with it CG ends in an iteration or
            // two (the preconditioned operator is the identity on the kept levels' span).
            var g = new double[m];
            var into = new double[m];
            for (int r = 0; r < nrhs; r++)
            {
                for (int j = 0; j < m; j++)
                {
                    g[j] = residual[(j * nrhs) + r];
                }

                exactInverse(g, into);
                for (int j = 0; j < m; j++)
                {
                    z[(j * nrhs) + r] = into[j];
                }
            }

            return;
        }

        for (int j = 0; j < m; j++)
        {
            for (int r = 0; r < nrhs; r++)
            {
                z[(j * nrhs) + r] = residual[(j * nrhs) + r] * inverseDiagonal[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Dot(double[] a, double[] b, int r, int nrhs, int m)
    {
        double s = 0;
        for (int j = 0; j < m; j++)
        {
            s += a[(j * nrhs) + r] * b[(j * nrhs) + r];
        }

        return s;
    }

    /// <summary>The rows' segments, the chunks over them and the passes that touch the rows.</summary>
    private sealed class Layout
    {
        private const int MinChunkRows = 1 << 16;
        private const long PartialBudget = 1L << 25;  // doubles of chunk partials at most (256 MB)

        private readonly int[] _segmentStart;
        private readonly int[][] _codes;
        private readonly int[] _offset;
        private readonly int[] _chunkFirstSegment;
        private readonly double[][] _partials;
        private readonly int _nrhs;
        private readonly ParallelOptions _parallel;
        private readonly int _maxSegment;
        private readonly double[]? _weights;
        private readonly double[]? _segmentWeight;

        public Layout(int[] segmentStart, int[][] otherCodes, int[] otherLevels, int nrhs, int threads, double[]? weights = null)
        {
            _segmentStart = segmentStart;
            _weights = weights;
            if (weights is not null)
            {
                // Σω per segment, rows in order.
                _segmentWeight = new double[segmentStart.Length - 1];
                for (int s = 0; s < _segmentWeight.Length; s++)
                {
                    double sum = 0;
                    for (int i = segmentStart[s]; i < segmentStart[s + 1]; i++)
                    {
                        sum += weights[i];
                    }

                    _segmentWeight[s] = sum;
                }
            }

            _codes = otherCodes;
            _nrhs = nrhs;
            _offset = new int[otherLevels.Length];
            for (int q = 1; q < otherLevels.Length; q++)
            {
                _offset[q] = _offset[q - 1] + otherLevels[q - 1];
            }

            Levels = otherLevels.Sum();
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
            int segments = segmentStart.Length - 1;
            int n = segmentStart[^1];
            long perChunk = Math.Max(1L, (long)Levels * nrhs);
            long maxChunks = Math.Max(1, PartialBudget / perChunk);
            long chunkRows = Math.Max(MinChunkRows, (n + maxChunks - 1) / maxChunks);
            var firsts = new List<int> { 0 };
            for (int s = 0, rows = 0; s < segments; s++)
            {
                int size = segmentStart[s + 1] - segmentStart[s];
                _maxSegment = Math.Max(_maxSegment, size);
                if (rows > 0 && rows + size > chunkRows)
                {
                    firsts.Add(s);
                    rows = 0;
                }

                rows += size;
            }

            firsts.Add(segments);
            _chunkFirstSegment = [.. firsts];
            _partials = new double[Levels == 0 ? 0 : _chunkFirstSegment.Length - 1][];
        }

        /// <summary>Levels of the other factors together (the size of b).</summary>
        public int Levels { get; }

        private int Chunks => _chunkFirstSegment.Length - 1;

        /// <summary>D₂ᵀM₀v for every right-hand side, interleaved.</summary>
        public double[] ProjectedRightHandSide(double[][] values)
        {
            if (_weights is { } omega)
            {
                ForEachChunk([MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, partial, scratch) =>
                {
                    for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
                    {
                        int from = _segmentStart[s];
                        int to = _segmentStart[s + 1];
                        double total = _segmentWeight![s];
                        for (int r = 0; r < _nrhs; r++)
                        {
                            double[] v = values[r];
                            double sum = 0;
                            for (int i = from; i < to; i++)
                            {
                                sum += omega[i] * v[i];
                            }

                            double mean = total > 0 ? sum / total : 0;
                            for (int i = from; i < to; i++)
                            {
                                double d = omega[i] * (v[i] - mean);
                                for (int q = 0; q < _codes.Length; q++)
                                {
                                    partial[((_offset[q] + _codes[q][i]) * _nrhs) + r] += d;
                                }
                            }
                        }
                    }
                });
                return Merge();
            }

            ForEachChunk([MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, partial, scratch) =>
            {
                for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
                {
                    int from = _segmentStart[s];
                    int to = _segmentStart[s + 1];
                    for (int r = 0; r < _nrhs; r++)
                    {
                        double[] v = values[r];
                        double sum = 0;
                        for (int i = from; i < to; i++)
                        {
                            sum += v[i];
                        }

                        double mean = sum / (to - from);
                        for (int i = from; i < to; i++)
                        {
                            double d = v[i] - mean;
                            for (int q = 0; q < _codes.Length; q++)
                            {
                                partial[((_offset[q] + _codes[q][i]) * _nrhs) + r] += d;
                            }
                        }
                    }
                }
            });
            return Merge();
        }

        /// <summary>1/diag(S) (0 where the diagonal is 0: a level absorbed entirely by the absorbing factor).</summary>
        public double[] InverseDiagonal()
        {
            if (_weights is not null)
            {
                return InverseDiagonalWeighted();
            }

            // diag(S)_j = Σ_segments (c_j − c_j²/n_s), c_j the rows of level j in segment s: one
            // addition per level and segment, segments in order, so the sum is reproducible.
            int nrhs = _nrhs;
            var counts = new ThreadLocal<(int[] Count, List<int> Touched)>(() => (new int[Levels], new List<int>()));
            ForEachChunk([MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, partial, scratch) =>
            {
                (int[] count, List<int> touched) = counts.Value;
                for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
                {
                    int from = _segmentStart[s];
                    int to = _segmentStart[s + 1];
                    touched.Clear();
                    for (int i = from; i < to; i++)
                    {
                        for (int q = 0; q < _codes.Length; q++)
                        {
                            int j = _offset[q] + _codes[q][i];
                            if (count[j]++ == 0)
                            {
                                touched.Add(j);
                            }
                        }
                    }

                    foreach (int j in touched)
                    {
                        double c = count[j];
                        partial[j * nrhs] += c - (c * c / (to - from));
                        count[j] = 0;
                    }
                }
            });
            counts.Dispose();
            double[] merged = Merge();
            var inverse = new double[Levels];
            for (int j = 0; j < Levels; j++)
            {
                double d = merged[j * nrhs];
                inverse[j] = d > 0 ? 1.0 / d : 0.0;
            }

            return inverse;
        }

        // diag(S)_j = Σ_segments (c_j − c_j²/n_s) with c_j = Σω over the rows of level j in segment s
        // and n_s = Σω over the segment.
        private double[] InverseDiagonalWeighted()
        {
            int nrhs = _nrhs;
            double[] omega = _weights!;
            var sums = new ThreadLocal<(double[] Sum, bool[] Seen, List<int> Touched)>(() => (new double[Levels], new bool[Levels], new List<int>()));
            ForEachChunk([MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, partial, scratch) =>
            {
                (double[] sum, bool[] seen, List<int> touched) = sums.Value;
                for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
                {
                    int from = _segmentStart[s];
                    int to = _segmentStart[s + 1];
                    double total = _segmentWeight![s];
                    touched.Clear();
                    for (int i = from; i < to; i++)
                    {
                        for (int q = 0; q < _codes.Length; q++)
                        {
                            int j = _offset[q] + _codes[q][i];
                            if (!seen[j])
                            {
                                seen[j] = true;
                                touched.Add(j);
                            }

                            sum[j] += omega[i];
                        }
                    }

                    foreach (int j in touched)
                    {
                        double c = sum[j];
                        partial[j * nrhs] += total > 0 ? c - (c * c / total) : 0;
                        sum[j] = 0;
                        seen[j] = false;
                    }
                }
            });
            sums.Dispose();
            double[] merged = Merge();
            var inverse = new double[Levels];
            for (int j = 0; j < Levels; j++)
            {
                double d = merged[j * nrhs];
                // A level whose weighted diagonal is at rounding level of its weight is absorbed.
                inverse[j] = d > 0 ? 1.0 / d : 0.0;
            }

            return inverse;
        }

        /// <summary>ap = S·p for every right-hand side (interleaved).</summary>
        public void ApplySchur(double[] p, double[] ap)
        {
            int nrhs = _nrhs;
            if (_weights is not null)
            {
                ForEachChunk((chunk, partial, scratch) => ApplySchurWeighted(chunk, p, partial, scratch));
                MergeInto(ap);
                return;
            }

            if (_codes.Length == 2)
            {
                ForEachChunk((chunk, partial, scratch) => ApplySchurTwo(chunk, p, partial, scratch));
                MergeInto(ap);
                return;
            }

            ForEachChunk([MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, partial, scratch) =>
            {
                Span<double> mean = stackalloc double[nrhs];
                for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
                {
                    int from = _segmentStart[s];
                    int to = _segmentStart[s + 1];
                    mean.Clear();
                    for (int i = from; i < to; i++)
                    {
                        int t = (i - from) * nrhs;
                        for (int r = 0; r < nrhs; r++)
                        {
                            scratch[t + r] = 0;
                        }

                        for (int q = 0; q < _codes.Length; q++)
                        {
                            int j = (_offset[q] + _codes[q][i]) * nrhs;
                            for (int r = 0; r < nrhs; r++)
                            {
                                scratch[t + r] += p[j + r];
                            }
                        }

                        for (int r = 0; r < nrhs; r++)
                        {
                            mean[r] += scratch[t + r];
                        }
                    }

                    double size = to - from;
                    for (int r = 0; r < nrhs; r++)
                    {
                        mean[r] /= size;
                    }

                    for (int i = from; i < to; i++)
                    {
                        int t = (i - from) * nrhs;
                        for (int q = 0; q < _codes.Length; q++)
                        {
                            int j = (_offset[q] + _codes[q][i]) * nrhs;
                            for (int r = 0; r < nrhs; r++)
                            {
                                partial[j + r] += scratch[t + r] - mean[r];
                            }
                        }
                    }
                }
            });
            MergeInto(ap);
        }

        // ApplySchur's loop for two further factors (the common case), with the same operations in
        // the same order as the general loop: same bits, without its inner loop over factors.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ApplySchurTwo(int chunk, double[] p, double[] partial, double[] scratch)
        {
            int nrhs = _nrhs;
            int[] c0 = _codes[0];
            int[] c1 = _codes[1];
            int o0 = _offset[0];
            int o1 = _offset[1];
            Span<double> mean = stackalloc double[nrhs];
            for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
            {
                int from = _segmentStart[s];
                int to = _segmentStart[s + 1];
                mean.Clear();
                for (int i = from, t = 0; i < to; i++, t += nrhs)
                {
                    int j0 = (o0 + c0[i]) * nrhs;
                    int j1 = (o1 + c1[i]) * nrhs;
                    for (int r = 0; r < nrhs; r++)
                    {
                        double v = p[j0 + r] + p[j1 + r];
                        scratch[t + r] = v;
                        mean[r] += v;
                    }
                }

                double size = to - from;
                for (int r = 0; r < nrhs; r++)
                {
                    mean[r] /= size;
                }

                for (int i = from, t = 0; i < to; i++, t += nrhs)
                {
                    int j0 = (o0 + c0[i]) * nrhs;
                    int j1 = (o1 + c1[i]) * nrhs;
                    for (int r = 0; r < nrhs; r++)
                    {
                        double d = scratch[t + r] - mean[r];
                        partial[j0 + r] += d;
                        partial[j1 + r] += d;
                    }
                }
            }
        }

        // S·p with weights: t_i = Σ_q p[c_q(i)], ω-weighted mean per segment, ω_i·(t_i − mean) scattered.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ApplySchurWeighted(int chunk, double[] p, double[] partial, double[] scratch)
        {
            int nrhs = _nrhs;
            double[] omega = _weights!;
            Span<double> mean = stackalloc double[nrhs];
            for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
            {
                int from = _segmentStart[s];
                int to = _segmentStart[s + 1];
                double total = _segmentWeight![s];
                mean.Clear();
                for (int i = from, t = 0; i < to; i++, t += nrhs)
                {
                    for (int r = 0; r < nrhs; r++)
                    {
                        scratch[t + r] = 0;
                    }

                    for (int q = 0; q < _codes.Length; q++)
                    {
                        int j = (_offset[q] + _codes[q][i]) * nrhs;
                        for (int r = 0; r < nrhs; r++)
                        {
                            scratch[t + r] += p[j + r];
                        }
                    }

                    for (int r = 0; r < nrhs; r++)
                    {
                        mean[r] += omega[i] * scratch[t + r];
                    }
                }

                for (int r = 0; r < nrhs; r++)
                {
                    mean[r] = total > 0 ? mean[r] / total : 0;
                }

                for (int i = from, t = 0; i < to; i++, t += nrhs)
                {
                    double w = omega[i];
                    for (int q = 0; q < _codes.Length; q++)
                    {
                        int j = (_offset[q] + _codes[q][i]) * nrhs;
                        for (int r = 0; r < nrhs; r++)
                        {
                            partial[j + r] += w * (scratch[t + r] - mean[r]);
                        }
                    }
                }
            }
        }

        /// <summary>v ← v − D₂b − D₀α₀ with α₀ the segment means of v − D₂b (written to <paramref name="absorbing"/>; ω-weighted means with weights).</summary>
        public void Residuals(double[][] values, double[][] b, double[][] absorbing)
        {
            int chunks = Chunks;
            Parallel.For(0, chunks, _parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
            {
                for (int s = _chunkFirstSegment[chunk]; s < _chunkFirstSegment[chunk + 1]; s++)
                {
                    int from = _segmentStart[s];
                    int to = _segmentStart[s + 1];
                    for (int r = 0; r < values.Length; r++)
                    {
                        double[] v = values[r];
                        double[] coef = b[r];
                        double sum = 0;
                        for (int i = from; i < to; i++)
                        {
                            double w = v[i];
                            for (int q = 0; q < _codes.Length; q++)
                            {
                                w -= coef[_offset[q] + _codes[q][i]];
                            }

                            v[i] = w;
                            sum += _weights is null ? w : _weights[i] * w;
                        }

                        double mean = _weights is null
                            ? (to > from ? sum / (to - from) : 0)
                            : (_segmentWeight![s] > 0 ? sum / _segmentWeight[s] : 0);
                        absorbing[r][s] = mean;
                        for (int i = from; i < to; i++)
                        {
                            v[i] -= mean;
                        }
                    }
                }
            });
        }

        // Runs body over every chunk with the chunk's own zeroed partial vector and a scratch row buffer.
        private void ForEachChunk(Action<int, double[], double[]> body)
        {
            int size = Levels * _nrhs;
            Parallel.For(
                0,
                Chunks,
                _parallel,
                () => new double[Math.Max(1, _maxSegment * _nrhs)],
                (chunk, _, scratch) =>
                {
                    double[] partial = _partials[chunk] ??= new double[size];
                    Array.Clear(partial);
                    body(chunk, partial, scratch);
                    return scratch;
                },
                _ => { });
        }

        private double[] Merge()
        {
            var into = new double[Levels * _nrhs];
            MergeInto(into);
            return into;
        }

        // Σ over chunks in chunk order, element ranges in parallel (each element has one owner).
        private void MergeInto(double[] into)
        {
            int size = into.Length;
            const int block = 1 << 12;
            Parallel.For(0, (size + block - 1) / block, _parallel, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k) =>
            {
                int end = Math.Min(size, (k + 1) * block);
                Span<double> target = into.AsSpan(k * block, end - (k * block));
                _partials[0].AsSpan(k * block, end - (k * block)).CopyTo(target);
                for (int c = 1; c < _partials.Length; c++)
                {
                    double[] part = _partials[c];
                    for (int j = k * block; j < end; j++)
                    {
                        into[j] += part[j];
                    }
                }
            });
        }
    }
}
