// FactorRank: which levels of three or more absorbed factors the data identify, decided exactly,
// and the level effects of the identified parameterisation.
//
// Method (as the cell path's AbsorbedGram, Guimarães & Portugal 2010): the absorbing factor (with
// the intercept) is decided first and always kept; the other factors' levels, each factor's
// reference level left out, are the columns R. Their Schur complement S = R'M₀R (M₀: within the
// absorbing factor's levels) is formed from the rows, S = N − Σ_segments c·cᵀ/n_s with N the exact
// co-occurrence counts and c the counts of R's levels in a segment; a left-looking Cholesky with
// column deletion (SequentialCholesky) decides R's columns in order: a level whose squared distance
// from the span of everything decided before it is at most AbsorbedGram.RankTolerance times its
// row count is aliased (null), the others kept.
// Values: given any effects b of the further factors with fitted part D₂b, the kept effects b′ with
//   the same fitted values solve S_KK b′ = R_Kᵀ M₀ D₂ b (normal equations of min ||M₀(D₂b − R_K b′)||);
//   the absorbing factor's effects follow as segment means.
// Invariant: S is accumulated over a fixed number of segment blocks merged in block order, the
//   counts exactly: same bits for any thread count.
// Cost: Σ_segments (levels touched)² to form S, q³/3 to factor it; memory (1 + Blocks)·q² doubles.
using Keel.Diagnostics;
using Keel.Rows;

namespace Keel.Solvers.FixedEffects;

/// <summary>The identified treatment-coded effects of the factors, and which levels are aliased with what.</summary>
/// <param name="Absorbing">Index of the absorbing factor.</param>
/// <param name="AbsorbingEffects">α₀′ by level of the absorbing factor (intercept not yet taken out).</param>
/// <param name="Effects">b′ by factor and level for the further factors (0 at references and aliased levels).</param>
/// <param name="Aliased">By factor and level: true for a level the data do not identify.</param>
/// <param name="Partners">For each aliased (factor, level): the kept further levels it is a combination of, with coefficients.</param>
/// <param name="Rank">The factors' rank with the intercept.</param>
internal sealed record FactorRankDecision(int Absorbing, double[] AbsorbingEffects, double[][] Effects, bool[][] Aliased, Dictionary<(int Factor, int Level), List<(int Factor, int Level, double Coefficient)>> Partners, long Rank);

internal static class FactorRank
{
    private const int Blocks = 4;

    /// <summary>Null when the decision is not <see cref="Affordable"/> (the rank is then not decided).</summary>
    /// <param name="effects">Effects by factor (absorbing and further) of the fitted model's residual target.</param>
    public static FactorRankDecision? Decide(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, double[][] effects)
    {
        // Columns R: further factors in order, their levels in code order, references left out.
        var position = new int[modelFactors][];
        var columns = new List<(int Factor, int Level)>();
        for (int f = 0; f < modelFactors; f++)
        {
            position[f] = new int[rows.Factors[f].LevelCount];
            Array.Fill(position[f], -1);
            if (f == absorbing)
            {
                continue;
            }

            for (int l = 0; l < position[f].Length; l++)
            {
                if (l != reference[f])
                {
                    position[f][l] = columns.Count;
                    columns.Add((f, l));
                }
            }
        }

        int q = columns.Count;
        if (!Affordable(q, rows.Count, segmentStart, modelFactors - 1))
        {
            return null;
        }

        int[] others = Enumerable.Range(0, modelFactors).Where(f => f != absorbing).ToArray();
        var clock = new SubStageClock("factor rank");
        int segments = segmentStart.Length - 1;
        var counts = new long[q * q];
        var partials = new double[Blocks][];
        Parallel.For(0, Blocks, block =>
        {
            // Upper triangles only (a ≤ b); mirrored when merged.
            var s = new double[q * q];
            var count = new int[q];
            var touched = new int[q];
            var rowLevels = new int[others.Length];
            int first = (int)((long)segments * block / Blocks);
            int last = (int)((long)segments * (block + 1) / Blocks);
            var local = new long[q * q];
            for (int seg = first; seg < last; seg++)
            {
                int from = segmentStart[seg];
                int to = segmentStart[seg + 1];
                int distinct = 0;
                for (int i = from; i < to; i++)
                {
                    int m = 0;
                    foreach (int f in others)
                    {
                        int p = position[f][rows.Factors[f].Codes[i]];
                        if (p >= 0)
                        {
                            rowLevels[m++] = p;
                            if (count[p]++ == 0)
                            {
                                touched[distinct++] = p;
                            }
                        }
                    }

                    for (int a = 0; a < m; a++)
                    {
                        for (int b = 0; b < m; b++)
                        {
                            if (rowLevels[a] <= rowLevels[b])
                            {
                                local[(rowLevels[a] * q) + rowLevels[b]]++;
                            }
                        }
                    }
                }

                double size = to - from;
                for (int x = 0; x < distinct; x++)
                {
                    int a = touched[x];
                    double weight = count[a] / size;
                    int row = a * q;
                    for (int y = 0; y < distinct; y++)
                    {
                        int b = touched[y];
                        if (a <= b)
                        {
                            s[row + b] -= weight * count[b];
                        }
                    }
                }

                for (int x = 0; x < distinct; x++)
                {
                    count[touched[x]] = 0;
                }
            }

            partials[block] = s;
            lock (counts)
            {
                // Integer counts: exact, so the order of this addition does not matter.
                for (int i = 0; i < local.Length; i++)
                {
                    counts[i] += local[i];
                }
            }
        });

        var schur = new double[q * q];
        var norms = new double[q];
        for (int a = 0; a < q; a++)
        {
            for (int b = a; b < q; b++)
            {
                int i = (a * q) + b;
                double sum = counts[i];
                for (int block = 0; block < Blocks; block++)
                {
                    sum += partials[block][i];
                }

                schur[i] = sum;
                schur[(b * q) + a] = sum;
            }
        }

        for (int p = 0; p < q; p++)
        {
            norms[p] = counts[(p * q) + p];
        }

        clock.Lap("schur");
        SequentialCholesky cholesky = SequentialCholesky.Factor(schur, q, norms, AbsorbedGram.RankTolerance(q));
        clock.Lap("cholesky");
        var aliased = new bool[modelFactors][];
        for (int f = 0; f < modelFactors; f++)
        {
            aliased[f] = new bool[rows.Factors[f].LevelCount];
        }

        var partners = new Dictionary<(int, int), List<(int, int, double)>>();
        foreach ((int column, double[] onKept) in cholesky.Dependencies)
        {
            (int f, int l) = columns[column];
            aliased[f][l] = true;
            var list = new List<(int, int, double)>();
            for (int t = 0; t < onKept.Length; t++)
            {
                if (Math.Abs(onKept[t]) > 1e-9)
                {
                    (int pf, int pl) = columns[cholesky.Kept[t]];
                    list.Add((pf, pl, onKept[t]));
                }
            }

            partners[(f, l)] = list;
        }

        // h = R_Kᵀ M₀ D₂ b over the kept columns: per segment t_i = Σ_f b_f[code], centred, summed per column.
        var h = new double[q];
        for (int seg = 0; seg < segments; seg++)
        {
            int from = segmentStart[seg];
            int to = segmentStart[seg + 1];
            double mean = 0;
            for (int i = from; i < to; i++)
            {
                mean += Fitted(rows, others, effects, i);
            }

            mean /= to - from;
            for (int i = from; i < to; i++)
            {
                double t = Fitted(rows, others, effects, i) - mean;
                foreach (int f in others)
                {
                    int p = position[f][rows.Factors[f].Codes[i]];
                    if (p >= 0)
                    {
                        h[p] += t;
                    }
                }
            }
        }

        // S_KK b′ = h_K by the factor L (L·Lᵀ = S_KK): forward, then back substitution.
        int r = cholesky.Kept.Count;
        var z = new double[r];
        for (int i = 0; i < r; i++)
        {
            double s = h[cholesky.Kept[i]];
            for (int t = 0; t < i; t++)
            {
                s -= cholesky.L(i, t) * z[t];
            }

            z[i] = s / cholesky.L(i, i);
        }

        var x = new double[r];
        for (int i = r - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int t = i + 1; t < r; t++)
            {
                s -= cholesky.L(t, i) * x[t];
            }

            x[i] = s / cholesky.L(i, i);
        }

        var identified = new double[modelFactors][];
        for (int f = 0; f < modelFactors; f++)
        {
            identified[f] = new double[rows.Factors[f].LevelCount];
        }

        for (int i = 0; i < r; i++)
        {
            (int f, int l) = columns[cholesky.Kept[i]];
            identified[f][l] = x[i];
        }

        // The absorbing factor's effects for the new further effects: α₀′ = α₀ + mean_s(D₂b − D₂b′).
        double[] absorbingEffects = (double[])effects[absorbing].Clone();
        for (int seg = 0; seg < segments; seg++)
        {
            int from = segmentStart[seg];
            int to = segmentStart[seg + 1];
            double shift = 0;
            for (int i = from; i < to; i++)
            {
                shift += Fitted(rows, others, effects, i) - Fitted(rows, others, identified, i);
            }

            absorbingEffects[seg] += shift / (to - from);
        }

        clock.Lap("values");
        long rank = rows.Factors[absorbing].LevelCount + r;
        return new FactorRankDecision(absorbing, absorbingEffects, identified, aliased, partners, rank);
    }

    /// <summary>
    /// Whether the exact decision is made: at most AbsorbedGram.MaxSchurColumns further levels, its
    /// factorisation (q³/3 flops) and the forming of S (Σ_segments touched²) each at most about 100
    /// to 300 operations per row, so that it stays a small part of the fit (the projection costs
    /// some hundreds of operations per row).
    /// </summary>
    public static bool Affordable(int furtherLevels, int rows, int[] segmentStart, int furtherFactors)
    {
        if (furtherLevels > AbsorbedGram.MaxSchurColumns || (double)furtherLevels * furtherLevels * furtherLevels > 300.0 * rows)
        {
            return false;
        }

        // Forming S costs the square of the levels a segment touches, summed over segments: bounded
        // the same way (large segments of a small absorbing factor can touch every further level).
        double formation = 0;
        for (int s = 0; s + 1 < segmentStart.Length; s++)
        {
            double touched = Math.Min((double)(segmentStart[s + 1] - segmentStart[s]) * furtherFactors, furtherLevels);
            formation += touched * touched;
        }

        return formation <= 300.0 * rows;
    }

    private static double Fitted(RowColumns rows, int[] others, double[][] effects, int i)
    {
        double t = 0;
        foreach (int f in others)
        {
            t += effects[f][rows.Factors[f].Codes[i]];
        }

        return t;
    }
}
