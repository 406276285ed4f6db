// FactorRank: which levels of three or more absorbed factors the data identify, decided exactly,
// and the level effects of the identified parameterisation.
//
// Method: first, for three factors, FullRankCertificate (one pass over the rows) may prove that every
// level is identified; the effects are then the treatment-coded ones in closed form. Otherwise, as
// the cell path's AbsorbedGram (Guimarães & Portugal 2010): the absorbing factor (with the intercept)
// is decided first and always kept; the other factors' levels, each factor's reference level left
// out, are the columns R. Their Schur complement S = R'M₀R (M₀: within the absorbing factor's levels)
// is formed from the rows, S = N − Σ_segments c·cᵀ/n_s with N the exact co-occurrence counts and c the
// counts of R's levels in a segment; a left-looking Cholesky with column deletion (SequentialCholesky)
// decides R's columns in order: a level whose squared distance from the span of everything decided
// before it is at most AbsorbedGram.RankTolerance times its row count is aliased (null), the others kept.
// Values: given any effects b of the further factors with fitted part D₂b, the kept effects b′ with
//   the same fitted values solve S_KK b′ = R_Kᵀ M₀ D₂ b (normal equations of min ||M₀(D₂b − R_K b′)||);
//   the absorbing factor's effects follow as segment means.
// Invariant: S[a,b] = N[a,b] + p₀ + p₁ + p₂ + p₃, p_k the segment terms of a fixed quarter of the
//   segments in segment order, each row of S formed by one thread; the counts are exact: the same
//   bits for any thread count.
// Cost: Σ_segments (levels touched)² / 2 to form S (memory-bound: about 1 s for fixest's 10M-row shape
//   were the certificate to fail), q³/3 to factor it (0.55 s at q = 3,375 on two cores); memory 2q²
//   doubles and 16 bytes per (segment, level) occurrence.

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Keel.Diagnostics;
using Keel.Rows;
using Keel.Absorption;

namespace Keel.Solvers.FixedEffects;

/// <summary>The identified treatment-coded effects of the factors, and which levels are aliased with what.</summary>
/// <param name="Absorbing">Index of the absorbing factor.</param>
/// <param name="AbsorbingEffects">α₀′ by level of the absorbing factor (intercept not yet taken out).</param>
/// <param name="Effects">b′ by factor and level for the further factors (0 at references and aliased levels).</param>
/// <param name="Aliased">By factor and level: true for a level the data do not identify.</param>
/// <param name="Partners">For each aliased (factor, level): the kept further levels it is a combination of, with coefficients.</param>
/// <param name="Rank">The factors' rank with the intercept.</param>
internal sealed record FactorRankDecision(int Absorbing, double[] AbsorbingEffects, double[][] Effects, bool[][] Aliased, Dictionary<(int Factor, int Level), List<(int Factor, int Level, double Coefficient)>> Partners, long Rank)
{
    /// <summary>How the rank was decided.</summary>
    public RankMethod Method { get; init; } = RankMethod.Schur;
}

/// <summary>Certificate: within-segment connectivity proved full rank (FullRankCertificate); Schur: the exact factorisation decided each level.</summary>
internal enum RankMethod
{
    Schur,
    Certificate,
}

internal static class FactorRank
{
    private const int Blocks = 4;

    // Largest q² counted in one table per thread (4 MB of ints each).
    private const long OwnTableEntries = 1 << 20;

    /// <summary>
    /// The certificate or the factored Schur complement of the further levels, made once before the
    /// projection: its factor then preconditions the projection's conjugate gradients exactly, decides
    /// the rank and gives the levels' variances. Null factor (and not certified) when not <see cref="Affordable"/>.
    /// </summary>
    /// <param name="threads">Threads for forming and factoring S; the bits do not depend on it.</param>
    /// <param name="evenIfCertified">Form and factor S also when the certificate proves full rank (factors alone: S then gives the levels' variances and the condition estimate).</param>
    /// <param name="keepCounts">Keep S, the co-occurrence and the segments' counts with the factor (factors alone: the levels' variances and FactorsAloneGram read them); otherwise only the factor stays alive.</param>
    public static FurtherLevelsPreparation Prepare(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, int threads, bool evenIfCertified = false, bool keepCounts = false)
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
        int[] others = Enumerable.Range(0, modelFactors).Where(f => f != absorbing).ToArray();
        var clock = new SubStageClock("factor rank");
        bool certified = modelFactors == 3 && FullRankCertificate.Holds(rows.Factors[others[0]].Codes, rows.Factors[others[1]].Codes, rows.Factors[others[0]].LevelCount, rows.Factors[others[1]].LevelCount, segmentStart, threads);
        if (certified)
        {
            clock.Lap("certificate");
            if (!evenIfCertified || !Affordable(q, rows.Count, segmentStart, modelFactors - 1))
            {
                return new FurtherLevelsPreparation(q, true, null);
            }
        }
        else if (!Affordable(q, rows.Count, segmentStart, modelFactors - 1))
        {
            clock.Lap("certificate");
            return new FurtherLevelsPreparation(q, false, null);
        }

        (double[] schur, double[] norms, SegmentCounts counts, int[] together) = FormSchur(rows, others, position, segmentStart, q, threads, clock);
        clock.Lap("schur");
        SequentialCholesky cholesky = SequentialCholesky.Factor(schur, q, norms, AbsorbedGram.RankTolerance(q), threads);
        clock.Lap("cholesky");
        return new FurtherLevelsPreparation(q, certified, new FurtherLevelsFactor(position, columns, others, keepCounts ? schur : null, cholesky, keepCounts ? counts : null, keepCounts ? together : null, segmentStart));
    }

    /// <summary>Null when the decision is not <see cref="Affordable"/> (the rank is then not decided).</summary>
    /// <param name="effects">Effects by factor (absorbing and further) of the fitted model's residual target.</param>
    /// <param name="threads">Threads for forming and factoring S; the bits do not depend on it.</param>
    /// <param name="prepared">From <see cref="Prepare"/> when the projection was preconditioned by its factor (its effects are then already the identified ones: zero off the kept columns, the exact solution on them); null to prepare here.</param>
    public static FactorRankDecision? Decide(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, double[][] effects, int threads, FurtherLevelsPreparation? prepared = null)
    {
        bool fromFactor = prepared?.Factor is not null;
        prepared ??= Prepare(rows, modelFactors, absorbing, segmentStart, reference, threads);
        if (prepared.Certified)
        {
            return FullRank(rows, modelFactors, absorbing, reference, effects, prepared.Columns);
        }

        if (prepared.Factor is not { } factored)
        {
            return null;
        }

        var clock = new SubStageClock("factor rank");
        int[] others = factored.Others;
        int[][] position = factored.Position;
        List<(int Factor, int Level)> columns = factored.Columns;
        SequentialCholesky cholesky = factored.Cholesky;
        int q = columns.Count;
        int segments = segmentStart.Length - 1;
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

        var identified = new double[modelFactors][];
        for (int f = 0; f < modelFactors; f++)
        {
            identified[f] = new double[rows.Factors[f].LevelCount];
        }

        int r = cholesky.Kept.Count;
        double[] absorbingEffects;
        if (fromFactor)
        {
            // The projection's iterates lie in the kept columns' span (the preconditioner maps onto
            // it): its effects are the identified ones already.
            for (int i = 0; i < r; i++)
            {
                (int f, int l) = columns[cholesky.Kept[i]];
                identified[f][l] = effects[f][l];
            }

            absorbingEffects = (double[])effects[absorbing].Clone();
        }
        else
        {
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
            var x = new double[r];
            factored.SolveKept(h, x);

            for (int i = 0; i < r; i++)
            {
                (int f, int l) = columns[cholesky.Kept[i]];
                identified[f][l] = x[i];
            }

            // The absorbing factor's effects for the new further effects: α₀′ = α₀ + mean_s(D₂b − D₂b′).
            absorbingEffects = (double[])effects[absorbing].Clone();
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
        }

        clock.Lap("values");
        long rank = rows.Factors[absorbing].LevelCount + r;
        return new FactorRankDecision(absorbing, absorbingEffects, identified, aliased, partners, rank);
    }

    // Every level identified (FullRankCertificate): the treatment-coded effects with the same fitted
    // values are unique, b′_f = b_f − b_f[reference_f], and the absorbing factor takes up the shift,
    // α′ = α + Σ_f b_f[reference_f] (what the Schur complement's solve gives in exact arithmetic).
    private static FactorRankDecision FullRank(RowColumns rows, int modelFactors, int absorbing, int[] reference, double[][] effects, int q)
    {
        var identified = new double[modelFactors][];
        var aliased = new bool[modelFactors][];
        double shift = 0;
        for (int f = 0; f < modelFactors; f++)
        {
            aliased[f] = new bool[rows.Factors[f].LevelCount];
            identified[f] = new double[rows.Factors[f].LevelCount];
            if (f == absorbing)
            {
                continue;
            }

            double atReference = effects[f][reference[f]];
            shift += atReference;
            for (int l = 0; l < identified[f].Length; l++)
            {
                identified[f][l] = l == reference[f] ? 0 : effects[f][l] - atReference;
            }
        }

        double[] absorbingEffects = effects[absorbing].Select(a => a + shift).ToArray();
        return new FactorRankDecision(absorbing, absorbingEffects, identified, aliased, [], rows.Factors[absorbing].LevelCount + q) { Method = RankMethod.Certificate };
    }

    // S = N − Σ_segments c·cᵀ/n_s (row-major q×q, both triangles) and the level counts (S's reference
    // scale). Entry S[a,b] (a ≤ b) is N[a,b] + p₀ + p₁ + p₂ + p₃, p_k = 0 − Σ (c_a/n_s)·c_b over the
    // segments of block k in segment order: each row a of S is formed by one thread from the
    // segments that contain a (a level-major index of the segments' compressed counts), in buffers
    // of one row that stay in cache, where scattering every segment's c·cᵀ into the q×q matrix
    // missed the cache on almost every update.
    private static (double[] Schur, double[] Norms, SegmentCounts Counts, int[] Together) FormSchur(RowColumns rows, int[] others, int[][] position, int[] segmentStart, int q, int threads, SubStageClock clock)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        int segments = segmentStart.Length - 1;
        SegmentCounts counts = SegmentCounts.Build(rows, others, position, segmentStart, q, options);
        clock.Lap("segment counts");

        // N[a,b] (a ≤ b): rows with both levels; integers, so the order of the additions does not
        // matter. Each thread counts into its own table when q² is small (merged after; atomic
        // increments on the shared table cost p1 0.08 s), else into the shared one atomically.
        var together = new int[q * q];
        bool ownTables = (long)q * q <= OwnTableEntries;
        Parallel.For(
            0,
            Blocks * 4,
            options,
            () => ownTables ? new int[q * q] : together,
            (chunk, _, table) =>
            {
                int from = (int)((long)rows.Count * chunk / (Blocks * 4));
                int to = (int)((long)rows.Count * (chunk + 1) / (Blocks * 4));
                Span<int> levels = stackalloc int[others.Length];
                for (int i = from; i < to; i++)
                {
                    int m = 0;
                    foreach (int f in others)
                    {
                        int p = position[f][rows.Factors[f].Codes[i]];
                        if (p >= 0)
                        {
                            levels[m++] = p;
                        }
                    }

                    for (int x = 0; x < m; x++)
                    {
                        for (int y = 0; y < m; y++)
                        {
                            if (levels[x] <= levels[y])
                            {
                                int at = (levels[x] * q) + levels[y];
                                if (ownTables)
                                {
                                    table[at]++;
                                }
                                else
                                {
                                    Interlocked.Increment(ref table[at]);
                                }
                            }
                        }
                    }
                }

                return table;
            },
            table =>
            {
                if (ownTables)
                {
                    lock (together)
                    {
                        for (int at = 0; at < table.Length; at++)
                        {
                            together[at] += table[at];
                        }
                    }
                }
            });

        clock.Lap("co-occurrence");
        var blockEnd = new int[Blocks];
        for (int block = 0; block < Blocks; block++)
        {
            blockEnd[block] = (int)((long)segments * (block + 1) / Blocks);
        }

        var schur = new double[q * q];
        Parallel.For(
            0,
            q,
            options,
            () => new double[Blocks * q],
            (a, _, partial) =>
            {
                AccumulateRow(counts, a, q, blockEnd, partial);
                for (int b = a; b < q; b++)
                {
                    double sum = together[(a * q) + b];
                    for (int block = 0; block < Blocks; block++)
                    {
                        sum += partial[(block * q) + b];
                    }

                    schur[(a * q) + b] = sum;
                    schur[(b * q) + a] = sum;
                    for (int block = 0; block < Blocks; block++)
                    {
                        partial[(block * q) + b] = 0;
                    }
                }

                return partial;
            },
            _ => { });

        var norms = new double[q];
        for (int p = 0; p < q; p++)
        {
            norms[p] = together[(p * q) + p];
        }

        return (schur, norms, counts, together);
    }

    // Block k's row a of −Σ_s (c_a/n_s)·c_s over the segments s that contain a, in segment order, into
    // partial[k·q + b] for b ≥ a (the suffix of the segment's sorted entries from a's own). Each
    // segment's entries are a cache miss away (scattered over the segment-major array), so those of the
    // occurrence Ahead places on are prefetched where the CPU offers the instruction (no value changes).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AccumulateRow(SegmentCounts counts, int a, int q, int[] blockEnd, double[] partial)
    {
        const int Ahead = 16;
        int end = counts.LevelStart[a + 1];
        fixed (SegmentEntry* entries = counts.Entries)
        fixed (Segment* segment = counts.Segments)
        fixed (Occurrence* occurrence = counts.Occurrences)
        {
            for (int k = counts.LevelStart[a]; k < end; k++)
            {
                if (Sse.IsSupported && k + Ahead < end)
                {
                    Sse.Prefetch0(entries + occurrence[k + Ahead].Entry);
                    Sse.Prefetch0(segment + occurrence[k + Ahead].Segment);
                }

                int seg = occurrence[k].Segment;
                int e = occurrence[k].Entry;
                int block = 0;
                while (seg >= blockEnd[block])
                {
                    block++;
                }

                double weight = entries[e].Count / (double)segment[seg].Rows;
                int row = block * q;
                int last = segment[seg + 1].EntryStart;
                for (int e2 = e; e2 < last; e2++)
                {
                    partial[row + entries[e2].Position] -= weight * entries[e2].Count;
                }
            }
        }
    }

    // One further level's count in a segment.
    internal readonly record struct SegmentEntry(int Position, int Count);

    // A segment's first entry and its row count n_s (one more, entries only, closes the list).
    internal readonly record struct Segment(int EntryStart, int Rows);

    // A level's occurrence: the segment and the level's entry there (entries of a segment are sorted by position).
    internal readonly record struct Occurrence(int Segment, int Entry);

    // The further levels' counts c_s of every segment, in first-occurrence order (segment-major), and
    // for every level its occurrences, segments ascending (level-major).
    internal sealed record SegmentCounts(Segment[] Segments, SegmentEntry[] Entries, int[] LevelStart, Occurrence[] Occurrences)
    {
        public static SegmentCounts Build(RowColumns rows, int[] others, int[][] position, int[] segmentStart, int q, ParallelOptions options)
        {
            int segments = segmentStart.Length - 1;
            var distinct = new int[segments + 1];
            ForSegments(segments, options, (_, first, last) =>
            {
                var seen = new int[q];
                Array.Fill(seen, -1);
                for (int seg = first; seg < last; seg++)
                {
                    int found = 0;
                    for (int i = segmentStart[seg]; i < segmentStart[seg + 1]; i++)
                    {
                        foreach (int f in others)
                        {
                            int p = position[f][rows.Factors[f].Codes[i]];
                            if (p >= 0 && seen[p] != seg)
                            {
                                seen[p] = seg;
                                found++;
                            }
                        }
                    }

                    distinct[seg + 1] = found;
                }
            });
            for (int seg = 0; seg < segments; seg++)
            {
                distinct[seg + 1] += distinct[seg];
            }

            var entry = GC.AllocateUninitializedArray<SegmentEntry>(distinct[segments]);
            var levelStart = new int[q + 1];
            var perChunk = new int[Chunks * q];
            ForSegments(segments, options, (chunk, first, last) =>
            {
                var slot = new int[q];
                Array.Fill(slot, -1);
                for (int seg = first; seg < last; seg++)
                {
                    int next = distinct[seg];
                    for (int i = segmentStart[seg]; i < segmentStart[seg + 1]; i++)
                    {
                        foreach (int f in others)
                        {
                            int p = position[f][rows.Factors[f].Codes[i]];
                            if (p < 0)
                            {
                                continue;
                            }

                            if (slot[p] < 0)
                            {
                                slot[p] = next;
                                entry[next++] = new SegmentEntry(p, 1);
                            }
                            else
                            {
                                entry[slot[p]] = new SegmentEntry(p, entry[slot[p]].Count + 1);
                            }
                        }
                    }

                    // Positions ascending (insertion sort: a segment holds a few dozen levels), so that
                    // the entries b ≥ a of a segment are the suffix from a's own entry.
                    int start = distinct[seg];
                    for (int e = start; e < next; e++)
                    {
                        slot[entry[e].Position] = -1;
                        SegmentEntry moving = entry[e];
                        int at = e;
                        while (at > start && entry[at - 1].Position > moving.Position)
                        {
                            entry[at] = entry[at - 1];
                            at--;
                        }

                        entry[at] = moving;
                        perChunk[(chunk * q) + moving.Position]++;
                    }
                }
            });

            var segment = new Segment[segments + 1];
            for (int seg = 0; seg <= segments; seg++)
            {
                segment[seg] = new Segment(distinct[seg], seg < segments ? segmentStart[seg + 1] - segmentStart[seg] : 0);
            }

            // Level-major by a counting sort: chunk c's occurrences of level p go after those of the
            // chunks before it, so chunks fill their places in parallel, segments ascending per level.
            var offset = new int[Chunks * q];
            int total = 0;
            for (int p = 0; p < q; p++)
            {
                levelStart[p] = total;
                for (int c = 0; c < Chunks; c++)
                {
                    offset[(c * q) + p] = total;
                    total += perChunk[(c * q) + p];
                }
            }

            levelStart[q] = total;
            var occurrences = GC.AllocateUninitializedArray<Occurrence>(entry.Length);
            ForSegments(segments, options, (chunk, first, last) =>
            {
                for (int seg = first; seg < last; seg++)
                {
                    for (int e = distinct[seg]; e < distinct[seg + 1]; e++)
                    {
                        occurrences[offset[(chunk * q) + entry[e].Position]++] = new Occurrence(seg, e);
                    }
                }
            });

            return new SegmentCounts(segment, entry, levelStart, occurrences);
        }

        private const int Chunks = 64;

        private static void ForSegments(int segments, ParallelOptions options, Action<int, int, int> body)
        {
            Parallel.For(0, Chunks, options, c => body(c, (int)((long)segments * c / Chunks), (int)((long)segments * (c + 1) / Chunks)));
        }
    }

    /// <summary>
    /// Whether the exact decision is made: at most AbsorbedGram.MaxSchurColumns further levels (its
    /// factorisation, q³/3 flops in vector lanes, takes a second or two at the limit), and the forming
    /// of S (Σ_segments touched²) at most about 300 operations per row, so that it stays a small part
    /// of the fit (the projection costs some hundreds of operations per row).
    /// </summary>
    public static bool Affordable(int furtherLevels, int rows, int[] segmentStart, int furtherFactors)
    {
        if (furtherLevels > AbsorbedGram.MaxSchurColumns)
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

/// <summary>What <see cref="FactorRank.Prepare"/> found: the further levels' count q, whether the certificate proved full rank, else the factored Schur complement when affordable.</summary>
internal sealed record FurtherLevelsPreparation(int Columns, bool Certified, FurtherLevelsFactor? Factor);

/// <summary>
/// The Schur complement S = R'M₀R of the further factors' non-reference levels (R's columns, by
/// <see cref="Position"/>) after the absorbing factor with the intercept, and its Cholesky factor
/// with the aliased columns deleted (FactorRank's header). Also kept: each segment's counts of R's
/// levels (C's rows) and the co-occurrence counts N (upper triangle), S = N − Σ_s c_s·c_sᵀ/n_s.
/// </summary>
internal sealed class FurtherLevelsFactor(int[][] position, List<(int Factor, int Level)> columns, int[] others, double[]? schur, SequentialCholesky cholesky, FactorRank.SegmentCounts? counts, int[]? together, int[] segmentStart)
{
    private double[]? _schur = schur;

    /// <summary>By model factor and level, R's column, or −1 (references, the absorbing factor).</summary>
    public int[][] Position { get; } = position;

    /// <summary>R's columns: (factor, level) in order.</summary>
    public List<(int Factor, int Level)> Columns { get; } = columns;

    /// <summary>The further factors (model factors but the absorbing one), in order.</summary>
    public int[] Others { get; } = others;

    /// <summary>S, row-major q×q (both triangles), as formed (kept for factors alone until <see cref="ReleaseSchur"/>).</summary>
    public double[] Schur => _schur ?? throw new InvalidOperationException("S was not kept or was released");

    /// <summary>Drops S once the levels' variances have read it (q² doubles less for the rest of the fit).</summary>
    public void ReleaseSchur() => _schur = null;

    /// <summary>S's factor: Kept columns, aliased ones as Dependencies.</summary>
    public SequentialCholesky Cholesky { get; } = cholesky;

    /// <summary>Each segment's counts of R's levels, ascending positions.</summary>
    internal FactorRank.SegmentCounts Counts { get; } = counts ?? EmptyCounts;

    /// <summary>N[a,b] for a ≤ b (row-major q×q): rows with both levels.</summary>
    public int[] Together { get; } = together ?? [];

    private static readonly FactorRank.SegmentCounts EmptyCounts = new([], [], [], []);

    /// <summary>The absorbing factor's segments.</summary>
    public int[] SegmentStart { get; } = segmentStart;

    /// <summary>x (by kept index) = S_KK⁻¹·h_K, h by R's column: L·z = h_K forward, then Lᵀ·x = z back.</summary>
    public void SolveKept(ReadOnlySpan<double> h, Span<double> x)
    {
        SequentialCholesky c = Cholesky;
        int r = c.Kept.Count;
        var z = new double[r];
        Forward(h, z);
        for (int i = r - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int t = i + 1; t < r; t++)
            {
                s -= c.L(t, i) * x[t];
            }

            x[i] = s / c.L(i, i);
        }
    }

    // L·z = h_K by rows of L (contiguous), kept index order.
    private void Forward(ReadOnlySpan<double> h, Span<double> z)
    {
        SequentialCholesky c = Cholesky;
        for (int i = 0; i < c.Kept.Count; i++)
        {
            double s = h[c.Kept[i]];
            for (int t = 0; t < i; t++)
            {
                s -= c.L(i, t) * z[t];
            }

            z[i] = s / c.L(i, i);
        }
    }

    /// <summary>
    /// As <see cref="SolveKept"/>, with the back substitution by rows of L (x_i = z_i/L_ii, then
    /// z_t −= L_it·x_i for t &lt; i: contiguous reads where the column-wise form strides q doubles); used
    /// where no earlier result's bits depend on the order (the preconditioner, FactorsAloneGram).
    /// </summary>
    public void SolveKeptByRows(ReadOnlySpan<double> h, Span<double> x)
    {
        SequentialCholesky c = Cholesky;
        int r = c.Kept.Count;
        Forward(h, x);
        for (int i = r - 1; i >= 0; i--)
        {
            double xi = x[i] / c.L(i, i);
            x[i] = xi;
            for (int t = 0; t < i; t++)
            {
                x[t] -= c.L(i, t) * xi;
            }
        }
    }

    /// <summary>
    /// The projection's preconditioner: z = E·S_KK⁻¹·Eᵀ·g, g and z over every level of the further
    /// factors one after another (FixedEffectsProjection's layout), E the kept columns' embedding: 0
    /// at references and aliased levels. On the kept span it is S's exact inverse.
    /// </summary>
    public Action<double[], double[]> LevelPreconditioner(int[] levelCounts)
    {
        int q = Columns.Count;
        var columnOfLevel = new int[levelCounts.Sum()];
        for (int k = 0, j = 0; k < Others.Length; k++)
        {
            for (int l = 0; l < levelCounts[k]; l++, j++)
            {
                columnOfLevel[j] = Position[Others[k]][l];
            }
        }

        var keptIndex = new int[q];
        Array.Fill(keptIndex, -1);
        for (int i = 0; i < Cholesky.Kept.Count; i++)
        {
            keptIndex[Cholesky.Kept[i]] = i;
        }

        var h = new double[q];
        var x = new double[Cholesky.Kept.Count];
        return (g, z) =>
        {
            for (int j = 0; j < columnOfLevel.Length; j++)
            {
                if (columnOfLevel[j] >= 0)
                {
                    h[columnOfLevel[j]] = g[j];
                }
            }

            SolveKeptByRows(h, x);
            for (int j = 0; j < columnOfLevel.Length; j++)
            {
                int p = columnOfLevel[j];
                z[j] = p >= 0 && keptIndex[p] >= 0 ? x[keptIndex[p]] : 0.0;
            }
        };
    }
}
