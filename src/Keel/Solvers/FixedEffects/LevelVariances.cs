// LevelVariances: the classical variance factors of every coefficient of a row-path fit (the
// intercept, the covariates and every level of every factor), where affordable.
//
// Method: the cell path's absorbed Gram matrix (Absorption/AbsorbedGram, SchurComplement.
//   CovarianceDiagonal) with each row its own cell. The design is treatment coded: the absorbing
//   factor's non-reference levels F, and the rest Z = [1 | covariates | the other factors'
//   non-reference levels]. F's Gram block is diagonal (D = each level's Σw), so by block elimination
//     (XᵀWX)⁻¹ over Z = S⁻¹,  S = ZᵀWZ − Σ_{f ∈ F} u_f·u_fᵀ/d_f,  u_f = Σ_{i ∈ f} w_i·z_i,
//     (XᵀWX)⁻¹ at level f = 1/d_f + ‖L⁻¹·u_f‖²/d_f²  (S = L·Lᵀ),
//   Golub & Van Loan (2013) §3.2.11; Guimarães & Portugal (2010) for absorbing a factor. The caller
//   multiplies by σ² (classical errors; R's lm on the full dummy model).
// Invariant: S's sums run over the rows in canonical order (segment by segment, rows in order);
//   S's rows are shared among threads, each entry summed by one thread in that order; the
//   factorisation and L⁻¹ are SequentialCholesky's (the same bits for any thread count); each
//   absorbing level's entry is its own chain. So no bit depends on the thread count.
// Limits: full rank only (the Cholesky must keep every column: the row path's aliasing is decided
//   elsewhere, and a level it calls aliased gets no number here); S costs r² doubles and r³/3 flops
//   twice (factor and L⁻¹), r = 1 + k + Σ(other levels − 1), so it runs for r ≤ MaxRestColumns; each
//   absorbed level costs (touched + 1)·r, within AbsorbedBudget.
using System.Runtime.CompilerServices;
using Keel.Absorption;
using Keel.Rows;

namespace Keel.Solvers.FixedEffects;

/// <summary>
/// (XᵀWX)⁻¹'s diagonal by coefficient of a row-path fit: <see cref="Intercept"/>, <see cref="Covariate"/>
/// (by covariate index), <see cref="Level"/> (by factor and level; NaN at the references), or null
/// for the absorbing factor's levels when they alone would cost too much (<see cref="AbsorbedNote"/>).
/// </summary>
internal sealed record LevelVariances(double Intercept, double[] Covariate, double[]?[] Level, string? AbsorbedNote)
{

    /// <summary>Largest r = 1 + k + Σ(other levels − 1) factored: 2·r³/3 flops, about a second at 1,500 on two cores.</summary>
    public const int MaxRestColumns = 1500;

    /// <summary>
    /// Scattered updates of S allowed, Σ_segments (columns touched)² (a bound from the segments' sizes
    /// taken before the pass): about 0.15 s, so the errors cost a fraction of the fit they come with
    /// (fixest's shape at 1M rows needs 9e7 and goes without; at 100,000 rows 9e6 and 0.2 s in all).
    /// </summary>
    public const double MaxSchurUpdates = 3e7;

    /// <summary>Flops allowed for the absorbing factor's levels, Σ_f (touched_f + 1)·r (about a second).</summary>
    public const double AbsorbedBudget = 2e9;

    /// <summary>The variance factors, or null with <paramref name="reason"/> when not affordable or not of full rank.</summary>
    /// <param name="rows">The rows in canonical order, covariates not yet residualised.</param>
    /// <param name="weights">Prior weights, or null for 1.</param>
    /// <param name="threads">Threads for the factorisation, L⁻¹ and the absorbing levels; no bit depends on them.</param>
    public static LevelVariances? TryCompute(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, double[]? weights, int threads, out string? reason)
    {
        var clock = new SubStageClock("level variances");
        int k = rows.Covariates.Length;
        int[] others = Enumerable.Range(0, modelFactors).Where(f => f != absorbing).ToArray();
        // Positions of the rest: 0 the intercept, 1..k the covariates, then each other factor's non-reference levels.
        var position = new int[modelFactors][];
        int r = 1 + k;
        foreach (int f in others)
        {
            position[f] = new int[rows.Factors[f].LevelCount];
            for (int l = 0; l < position[f].Length; l++)
            {
                position[f][l] = l == reference[f] ? -1 : r++;
            }
        }

        if (r > MaxRestColumns)
        {
            reason = TooManyColumns(r);
            return null;
        }

        // Each segment touches at most 1 + k + its rows × the other factors' columns, and at most r.
        double updates = 0;
        for (int seg = 0; seg + 1 < segmentStart.Length; seg++)
        {
            double touchedAtMost = Math.Min(r, 1.0 + k + ((double)(segmentStart[seg + 1] - segmentStart[seg]) * others.Length));
            updates += touchedAtMost * touchedAtMost;
        }

        if (updates > MaxSchurUpdates)
        {
            reason = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the levels' standard errors need the {r}-column Schur complement, whose forming here takes up to {updates:0.#e0} updates, above the {MaxSchurUpdates:0e0} Keel spends on it");
            return null;
        }

        var s = new double[r * r];
        var mass = new double[segmentStart.Length - 1];
        // u_f of every non-reference absorbing level, kept for the second pass (touched positions, values).
        var touchedStart = new List<int> { 0 };
        var touched = new List<int>();
        var touchedValue = new List<double>();
        int absorbingReference = reference[absorbing];
        int[] absorbingCodes = rows.Factors[absorbing].Codes;
        // S's rows are shared out among owners; each owner walks every segment in order and updates
        // only its own rows, so every entry receives the same terms in the same order as on one
        // thread: the same bits for any number of owners. The split balances rows by how many data
        // rows touch them (the intercept and covariates: all of them).
        int[] ownerStart = OwnerRanges(rows, others, position, r, k, threads);
        Parallel.For(0, ownerStart.Length - 1, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (owner) =>
        {
            int lo = ownerStart[owner];
            int hi = ownerStart[owner + 1];
            bool records = owner == 0;
            var entries = new (int Position, double Value)[1 + k + others.Length];
            var u = new double[r];
            var seen = new bool[r];
            var order = new List<int>();
            for (int seg = 0; seg + 1 < segmentStart.Length; seg++)
            {
                int from = segmentStart[seg];
                int to = segmentStart[seg + 1];
                double d = 0;
                for (int i = from; i < to; i++)
                {
                    double w = weights?[i] ?? 1.0;
                    int m = 0;
                    entries[m++] = (0, 1.0);
                    for (int j = 0; j < k; j++)
                    {
                        entries[m++] = (1 + j, rows.Covariates[j][i]);
                    }

                    foreach (int f in others)
                    {
                        int p = position[f][rows.Factors[f].Codes[i]];
                        if (p >= 0)
                        {
                            entries[m++] = (p, 1.0);
                        }
                    }

                    d += w;
                    for (int a = 0; a < m; a++)
                    {
                        (int pa, double va) = entries[a];
                        if (pa >= lo && pa < hi)
                        {
                            // w·(v_a·v_b): the same bits at [a, b] and [b, a], so S is exactly symmetric.
                            for (int b = 0; b < m; b++)
                            {
                                s[(pa * r) + entries[b].Position] += w * (va * entries[b].Value);
                            }
                        }

                        if (!seen[pa])
                        {
                            seen[pa] = true;
                            order.Add(pa);
                        }

                        u[pa] += w * va;
                    }
                }

                bool absorbed = absorbingCodes[from] != absorbingReference;
                if (absorbed)
                {
                    foreach (int pa in order)
                    {
                        if (pa >= lo && pa < hi)
                        {
                            foreach (int pb in order)
                            {
                                s[(pa * r) + pb] -= u[pa] * u[pb] / d;
                            }
                        }
                    }
                }

                if (records)
                {
                    mass[seg] = d;
                    if (absorbed)
                    {
                        foreach (int pa in order)
                        {
                            touched.Add(pa);
                            touchedValue.Add(u[pa]);
                        }
                    }

                    touchedStart.Add(touched.Count);
                }

                foreach (int pa in order)
                {
                    u[pa] = 0;
                    seen[pa] = false;
                }

                order.Clear();
            }
        });

        clock.Lap("schur");
        return Finish(rows, modelFactors, absorbing, reference, others, position, r, k, s, mass, touched.Count, () => ([.. touchedStart], [.. touched], [.. touchedValue]), segmentStart, threads, clock, out reason);
    }

    /// <summary>
    /// Factors alone (no covariate, no weights) with the further levels' Schur complement already
    /// formed (FurtherLevelsFactor, S_R = N − Σ_s c_s·c_sᵀ/n_s over every segment): S over Z = [1 | R]
    /// with the reference segment's level left in is, exactly, [[n_ref, c_refᵀ], [c_ref, S_R +
    /// c_ref·c_refᵀ/n_ref]] (the reference segment's term added back), and u_f = (n_f, c_f) for the
    /// others; no pass over the rows. R holds the kept further levels only (those S's factor found
    /// aliased leave the model, as on the cells, and get no variance). The rest as <see cref="TryCompute"/>.
    /// </summary>
    public static LevelVariances? FromFurtherLevels(RowColumns rows, int modelFactors, int absorbing, int[] reference, FurtherLevelsFactor factor, int threads, out string? reason)
    {
        var clock = new SubStageClock("level variances");
        int q = factor.Columns.Count;
        // Aliased further levels (deleted by S's factor) leave the model as on the cells: Z holds the
        // kept ones only (index 1 + kept index), and the aliased have no variance (NaN, as references).
        List<int> kept = factor.Cholesky.Kept;
        var zOf = new int[q];
        Array.Fill(zOf, -1);
        for (int i = 0; i < kept.Count; i++)
        {
            zOf[kept[i]] = 1 + i;
        }

        int r = 1 + kept.Count;
        int[] others = factor.Others;
        var position = new int[modelFactors][];
        foreach (int f in others)
        {
            position[f] = factor.Position[f].Select(p => p < 0 ? -1 : zOf[p]).ToArray();
        }

        if (r > MaxRestColumns)
        {
            reason = TooManyColumns(r);
            return null;
        }

        FactorRank.SegmentCounts counts = factor.Counts;
        int[] segmentStart = factor.SegmentStart;
        int segments = segmentStart.Length - 1;
        int referenceSegment = reference[absorbing];
        double nRef = segmentStart[referenceSegment + 1] - segmentStart[referenceSegment];
        var cRef = new double[q];
        for (int e = counts.Segments[referenceSegment].EntryStart; e < counts.Segments[referenceSegment + 1].EntryStart; e++)
        {
            cRef[counts.Entries[e].Position] = counts.Entries[e].Count;
        }

        var s = new double[r * r];
        s[0] = nRef;
        double[] schur = factor.Schur;
        for (int i = 0; i < kept.Count; i++)
        {
            int pa = kept[i];
            s[1 + i] = cRef[pa];
            s[(1 + i) * r] = cRef[pa];
            double scaled = cRef[pa] / nRef;
            for (int j = 0; j < kept.Count; j++)
            {
                int pb = kept[j];
                s[((1 + i) * r) + 1 + j] = schur[(pa * q) + pb] + (scaled * cRef[pb]);
            }
        }

        // Every non-reference segment's u = (n_s at the intercept, c_s at its kept levels).
        var mass = new double[segments];
        var startOf = new int[segments + 1];
        for (int seg = 0; seg < segments; seg++)
        {
            mass[seg] = segmentStart[seg + 1] - segmentStart[seg];
            int entries = 0;
            if (seg != referenceSegment)
            {
                entries = 1;
                for (int e = counts.Segments[seg].EntryStart; e < counts.Segments[seg + 1].EntryStart; e++)
                {
                    entries += zOf[counts.Entries[e].Position] > 0 ? 1 : 0;
                }
            }

            startOf[seg + 1] = startOf[seg] + entries;
        }

        var touchedAt = new int[startOf[segments]];
        var touchedBy = new double[touchedAt.Length];
        for (int seg = 0; seg < segments; seg++)
        {
            if (seg == referenceSegment)
            {
                continue;
            }

            int at = startOf[seg];
            touchedAt[at] = 0;
            touchedBy[at++] = mass[seg];
            for (int e = counts.Segments[seg].EntryStart; e < counts.Segments[seg + 1].EntryStart; e++)
            {
                int z = zOf[counts.Entries[e].Position];
                if (z > 0)
                {
                    touchedAt[at] = z;
                    touchedBy[at++] = counts.Entries[e].Count;
                }
            }
        }

        clock.Lap("schur from the further levels");
        return Finish(rows, modelFactors, absorbing, reference, others, position, r, 0, s, mass, touchedAt.Length, () => (startOf, touchedAt, touchedBy), segmentStart, threads, clock, out reason);
    }

    private static string TooManyColumns(int r) =>
        $"the levels' standard errors need the inverse of a {r}-column Schur complement (1 + covariates + the other factors' levels), above the {MaxRestColumns} Keel factors on this path";

    // S factored (full rank only), L⁻¹, the diagonal over Z, then each non-reference absorbing
    // level's 1/d + ‖L⁻¹u‖²/d² from its u (touchedAt/touchedBy from startOf[segment], made only
    // then: not alive beside S and L during the factorisation).
    private static LevelVariances? Finish(RowColumns rows, int modelFactors, int absorbing, int[] reference, int[] others, int[][] position, int r, int k, double[] s, double[] mass, long touchedCount, Func<(int[] StartOf, int[] TouchedAt, double[] TouchedBy)> touchedOfSegments, int[] segmentStart, int threads, SubStageClock clock, out string? reason)
    {
        int[] absorbingCodes = rows.Factors[absorbing].Codes;
        int absorbingReference = reference[absorbing];
        var norms = new double[r];
        for (int a = 0; a < r; a++)
        {
            norms[a] = Math.Max(s[(a * r) + a], double.Epsilon);
        }

        SequentialCholesky cholesky = SequentialCholesky.Factor(s, r, norms, AbsorbedGram.RankTolerance(r), threads);
        if (cholesky.Dependencies.Count > 0)
        {
            reason = "the levels' standard errors are computed for designs of full rank only: some level or covariate is aliased";
            return null;
        }

        // S is not read after its factorisation: its storage holds L⁻¹ (fe100k: 9.6 MB less at the peak).
        double[] inv = cholesky.InverseLByColumn(threads, storage: s);
        clock.Lap("cholesky and inverse");
        var diagonal = new double[r];
        for (int t = 0; t < r; t++)
        {
            double sum = 0;
            for (int i = t; i < r; i++)
            {
                sum += inv[(t * r) + i] * inv[(t * r) + i];
            }

            diagonal[cholesky.Kept[t]] = sum;
        }

        var level = new double[]?[modelFactors];
        foreach (int f in others)
        {
            level[f] = position[f].Select(p => p >= 0 ? diagonal[p] : double.NaN).ToArray();
        }

        string? note = null;
        double work = (touchedCount + (double)mass.Length) * r;
        if (work > AbsorbedBudget)
        {
            note = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the standard errors of {rows.Factors[absorbing].Name}'s {rows.Factors[absorbing].LevelCount} levels would cost {work:0.#e0} flops (each level's ‖L⁻¹u‖² over {r} columns), above the {AbsorbedBudget:0e0} Keel spends on them");
        }
        else
        {
            (int[] startOf, int[] touchedAt, double[] touchedBy) = touchedOfSegments();
            var absorbedLevel = new double[rows.Factors[absorbing].LevelCount];
            Array.Fill(absorbedLevel, double.NaN);
            int[] keptPositionOf = [.. cholesky.Kept];  // full rank: kept position t is column t
            // Each level's entry depends on its own u_f only: levels in parallel, the same bits.
            Parallel.For(
                0,
                mass.Length,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
                () => new double[r],
                (seg, _, projected) =>
                {
                    int code = absorbingCodes[segmentStart[seg]];
                    if (code == absorbingReference)
                    {
                        return projected;
                    }

                    // The cell path's per-level formula, with this segment's u_f.
                    int from = startOf[seg];
                    int count = startOf[seg + 1] - from;
                    absorbedLevel[code] = SchurComplement.AbsorbedVariance(touchedAt.AsSpan(from, count), touchedBy.AsSpan(from, count), keptPositionOf, inv, r, mass[seg], projected);
                    return projected;
                },
                _ => { });
            clock.Lap("absorbing levels");
            level[absorbing] = absorbedLevel;
        }

        reason = null;
        return new LevelVariances(diagonal[0], diagonal[1..(1 + k)], level, note);
    }

    // Owner boundaries over S's rows: contiguous ranges with about equal numbers of data rows touching
    // them (each touch costs an update per touched column); they affect the speed only, never a bit.
    private static int[] OwnerRanges(RowColumns rows, int[] others, int[][] position, int r, int k, int threads)
    {
        int owners = Math.Max(1, Math.Min(threads, r));
        var load = new double[r];
        for (int a = 0; a <= k; a++)
        {
            load[a] = rows.Count;
        }

        foreach (int f in others)
        {
            foreach (int code in rows.Factors[f].Codes)
            {
                int p = position[f][code];
                if (p >= 0)
                {
                    load[p]++;
                }
            }
        }

        double total = load.Sum();
        var start = new int[owners + 1];
        double sum = 0;
        int next = 1;
        for (int a = 0; a < r && next < owners; a++)
        {
            sum += load[a];
            if (sum >= total * next / owners)
            {
                start[next++] = a + 1;
            }
        }

        for (; next <= owners; next++)
        {
            start[next] = r;
        }

        return start;
    }
}
