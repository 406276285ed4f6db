// WithinEstimator: least squares of a target on continuous covariates and factors, every factor
// absorbed (the row path's solve), with the covariates' standard errors.
//
// Method (Frisch & Waugh 1933; Lovell 1963): residualise the target and every covariate on the
//   factors (FixedEffectsProjection), solve the covariates on the residuals (CovariateSolve), then
//   recover the factors' effects of the fitted model by linearity: the effects of y − Xβ are
//   α_y − Σ_j β_j·α_{x_j}, since the projection is linear.
// Aliasing of a covariate with the factors is decided before any number is used: exactly when the
//   covariate is constant within the levels of one factor (bit for bit), or when its residual norm
//   is at most AbsorbedTolerance of its centred norm (then it is a sum of factor effects to that
//   precision; the projection is converged far below it, see FixedEffectsOptions).
// Rank of the factors (for the degrees of freedom): with the intercept, L₀ + Σ_{q≥1}(L_q − C_q),
//   C_q the connected components of the absorbing factor with factor q (FactorComponents): exact
//   for one or two factors, an upper bound for three or more (the result then says so).
// Invariant: every sum runs over the canonical row order in fixed chunks merged in order.
using Keel.Diagnostics;
using Keel.Rows;

namespace Keel.Solvers.FixedEffects;

/// <summary>How the covariates' standard errors are computed, and with whose small-sample factors.</summary>
/// <param name="Robust">Null for classical, "hc1", or "cluster".</param>
/// <param name="Clusters">Indexes into the rows' factor columns of the cluster columns (one or two).</param>
/// <param name="Fixest">True for fixest's conventions, false for R sandwich's on the full dummy model.</param>
internal sealed record WithinErrors(string? Robust, int[] Clusters, bool Fixest);

/// <summary>A covariate left out, and why.</summary>
/// <param name="Covariate">Index into the covariates.</param>
/// <param name="Factor">The factor within whose levels it is constant (exact test), or -1.</param>
/// <param name="AbsorbedByFactors">True when the factors explain it; false when earlier covariates do.</param>
/// <param name="Partners">For collinear covariates, the kept covariates before it.</param>
internal sealed record AliasedCovariate(int Covariate, int Factor, bool AbsorbedByFactors, int[] Partners);

/// <summary>The fit: covariates, factor effects (of the absorbed parameterisation) and the statistics.</summary>
internal sealed record WithinFit(
    int[] Kept,
    double[] Beta,
    double[]? Variance,
    IReadOnlyList<AliasedCovariate> Aliased,
    double[][] EffectsByFactor,
    long Rank,
    long RankForFixest,
    double Rss,
    double Tss,
    int Iterations,
    bool Converged,
    int[] ClusterCounts)
{
    /// <summary>With three or more factors whose further levels are few enough: the exact rank decision and identified effects (FactorRank), else null.</summary>
    public FactorRankDecision? Identified { get; init; }

    /// <summary>With exactly two factors: the connected component of each level, by factor (FactorComponents); else null.</summary>
    public int[][]? ComponentOfLevel { get; init; }

    /// <summary>True when the projection's conjugate gradients were preconditioned by the exact factor of the further levels' Schur complement (FactorRank.Prepare).</summary>
    public bool ExactlyPreconditioned { get; init; }
}

internal static class WithinEstimator
{
    /// <summary>A covariate whose residual norm is at most this fraction of its centred norm is absorbed by the factors.</summary>
    public const double AbsorbedTolerance = 1e-8;

    private const int ChunkRows = 1 << 16;

    /// <param name="reference">Each model factor's reference level code (treatment coding).</param>
    /// <param name="prepared">FactorRank.Prepare's result when the pipeline made it (factors alone, two or more): its factor preconditions the projection exactly and, for three or more, decides the rank.</param>
    public static WithinFit Fit(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, FixedEffectsOptions options, WithinErrors errors, int threads, CancellationToken cancel, FurtherLevelsPreparation? prepared = null)
    {
        int n = rows.Count;
        int k = rows.Covariates.Length;
        var clock = new SubStageClock("within");
        double tss = CentredSquares(rows.Target, threads);
        double[] centred = rows.Covariates.Select(x => Math.Sqrt(CentredSquares(x, threads))).ToArray();
        var constantWithin = new int[k];
        for (int j = 0; j < k; j++)
        {
            constantWithin[j] = -1;
            for (int f = 0; f < modelFactors && constantWithin[j] < 0; f++)
            {
                if (IsConstantWithin(rows.Covariates[j], rows.Factors[f]))
                {
                    constantWithin[j] = f;
                }
            }
        }

        clock.Lap("sums");
        // Residualise y and every covariate on the factors (in place).
        int[] others = Enumerable.Range(0, modelFactors).Where(f => f != absorbing).ToArray();
        double[][] values = [rows.Target, .. rows.Covariates];
        FixedEffectsSolution projection = FixedEffectsProjection.Project(
            values,
            segmentStart,
            others.Select(f => rows.Factors[f].Codes).ToArray(),
            others.Select(f => rows.Factors[f].LevelCount).ToArray(),
            options,
            threads,
            cancel,
            exactInverse: prepared?.Factor?.LevelPreconditioner(others.Select(f => rows.Factors[f].LevelCount).ToArray()));

        clock.Lap("projection");
        var aliased = new List<AliasedCovariate>();
        var candidates = new List<int>();
        for (int j = 0; j < k; j++)
        {
            double norm = Math.Sqrt(Squares(rows.Covariates[j], threads));
            if (constantWithin[j] >= 0 || centred[j] == 0 || norm <= AbsorbedTolerance * centred[j])
            {
                aliased.Add(new AliasedCovariate(j, constantWithin[j], true, []));
            }
            else
            {
                candidates.Add(j);
            }
        }

        CovariateSolution solution = CovariateSolve.Solve(rows.Covariates, rows.Target, [.. candidates], threads);
        foreach (int j in solution.Collinear)
        {
            aliased.Add(new AliasedCovariate(j, -1, false, solution.Kept.Where(c => c < j).ToArray()));
        }

        int kept = solution.Kept.Length;
        double[][] x = solution.Kept.Select(j => rows.Covariates[j]).ToArray();
        double rss = RowCovariance.ResidualSumOfSquares(x, rows.Target, solution.Beta, threads);

        clock.Lap("covariates");
        (double[][] effects, long rankFactors, long fixestFactors, int[][] componentOfLevel, FactorRankDecision? identified) =
            FactorStructure(rows, modelFactors, absorbing, segmentStart, reference, projection, solution.Kept, solution.Beta, threads, prepared);
        clock.Lap("factor rank");
        long rank = kept + rankFactors;
        long rankFixest = kept + fixestFactors;
        var clusterCounts = errors.Clusters.Select(c => rows.Factors[c].LevelCount).ToArray();
        double[]? variance = kept == 0 ? [] : Variances(rows, modelFactors, x, rows.Target, solution.Beta, solution.R, n, rss / (n - (errors.Fixest ? rankFixest : rank)), rank, rankFixest, errors, clusterCounts, threads);

        // The covariates back to their values as read (to rounding: x̃ + α₀ + D₂b), for what reads
        // the design after the fit (the condition estimate), instead of a copy kept through it.
        RestoreCovariates(rows.Covariates, projection, segmentStart, others.Select(f => rows.Factors[f].Codes).ToArray(), others.Select(f => rows.Factors[f].LevelCount).ToArray(), threads);
        clock.Lap("variances");
        return new WithinFit(solution.Kept, solution.Beta, variance, aliased, effects, rank, rankFixest, rss, tss, projection.Iterations, projection.Converged, clusterCounts) { Identified = identified, ComponentOfLevel = modelFactors == 2 ? componentOfLevel : null, ExactlyPreconditioned = prepared?.Factor is not null };
    }

    /// <summary>
    /// The factors' side of a fit: the rank of the factors with the intercept (L₀ + Σ (L_q − C_q), or
    /// FactorRank's exact decision for three or more factors), the effects of the fitted model's
    /// residual target α_y − Σ β_j α_{x_j} per factor, and with two factors the components of their levels.
    /// </summary>
    internal static (double[][] Effects, long RankFactors, long FixestFactors, int[][] ComponentOfLevel, FactorRankDecision? Identified) FactorStructure(
        RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, FixedEffectsSolution projection, int[] keptCovariates, double[] beta, int threads, FurtherLevelsPreparation? prepared = null)
    {
        int kept = keptCovariates.Length;
        // Rank of the factors with the intercept: L₀ + Σ (L_q − C_q).
        FactorColumn first = rows.Factors[absorbing];
        var components = new int[modelFactors];
        var componentOfLevel = new int[modelFactors][];
        long rankFactors = first.LevelCount;
        long fixestFactors = 1;
        Parallel.For(0, modelFactors, new ParallelOptions { MaxDegreeOfParallelism = threads }, f =>
        {
            // One union-find per further factor: independent, each exact.
            if (f != absorbing)
            {
                components[f] = FactorComponents.Find(first.Codes, first.LevelCount, rows.Factors[f].Codes, rows.Factors[f].LevelCount, out int[] ofFirst, out componentOfLevel[f]);
                if (modelFactors == 2)
                {
                    componentOfLevel[absorbing] = ofFirst;
                }
            }
        });
        for (int f = 0; f < modelFactors; f++)
        {
            fixestFactors += rows.Factors[f].LevelCount - 1;
            if (f != absorbing)
            {
                rankFactors += rows.Factors[f].LevelCount - components[f];
            }
        }

        // Effects of the fitted model's residual target: α_y − Σ β_j α_{x_j}, per factor.
        var effects = new double[modelFactors][];
        int offset = 0;
        foreach (int f in Enumerable.Range(0, modelFactors))
        {
            int levels = rows.Factors[f].LevelCount;
            double[] Of(int rhs) => f == absorbing ? projection.Absorbing[rhs] : projection.Others[rhs].AsSpan(offset, levels).ToArray();
            double[] e = Of(0);
            for (int c = 0; c < kept; c++)
            {
                double[] ex = Of(1 + keptCovariates[c]);
                double b = beta[c];
                for (int l = 0; l < levels; l++)
                {
                    e[l] -= b * ex[l];
                }
            }

            effects[f] = e;
            if (f != absorbing)
            {
                offset += levels;
            }
        }

        FactorRankDecision? identified = modelFactors >= 3 ? FactorRank.Decide(rows, modelFactors, absorbing, segmentStart, reference, effects, threads, prepared) : null;
        if (identified is not null)
        {
            rankFactors = identified.Rank;
        }

        return (effects, rankFactors, fixestFactors, componentOfLevel, identified);
    }

    /// <summary>
    /// The covariates' variances: classical s²·(R₁₁ᵀR₁₁)⁻¹, or the HC1 or clustered sandwich whose
    /// scores are x_i·(y_i − x_iβ) (for a likelihood fit: x̃_i·(y_i − μ_i) with β = 0 and y − μ given).
    /// </summary>
    /// <param name="classicalScale">s² of the classical variance (σ̂² for least squares, 1 for a likelihood fit).</param>
    internal static double[]? Variances(RowColumns rows, int modelFactors, double[][] x, double[] target, double[] beta, double[] r11, long n, double classicalScale, long rank, long rankFixest, WithinErrors errors, int[] clusterCounts, int threads)
    {
        int k = beta.Length;
        double[] bread = RowCovariance.Bread(r11, k);
        long K = errors.Fixest ? rankFixest : rank;
        if (n <= K)
        {
            return null;
        }

        double[] v;
        if (errors.Robust is null)
        {
            v = bread.Select(b => b * classicalScale).ToArray();
        }
        else if (errors.Robust == "hc1")
        {
            double[] meat = RowCovariance.HeteroskedasticMeat(x, target, beta, threads);
            double factor = n / (double)(n - K);
            v = RowCovariance.Sandwich(bread, meat, k).Select(e => e * factor).ToArray();
        }
        else
        {
            // Cluster terms: each column, and for two-way their intersection with sign −1.
            var terms = new List<(int[] Codes, int G, double Sign)>();
            foreach (int c in errors.Clusters)
            {
                terms.Add((rows.Factors[c].Codes, rows.Factors[c].LevelCount, 1.0));
            }

            if (errors.Clusters.Length == 2)
            {
                int[] both = RowCovariance.Intersection(rows.Factors[errors.Clusters[0]].Codes, rows.Factors[errors.Clusters[1]].Codes, out int g);
                terms.Add((both, g, -1.0));
            }

            if (clusterCounts.Min() < 2)
            {
                return null;
            }

            long kNested = K;
            if (errors.Fixest)
            {
                // fixest's fixef.K = "nested": a factor nested in a cluster column adds no parameter
                // (all of them nested: only the intercept is left of the factors).
                var nested = Enumerable.Range(0, modelFactors).Where(f => errors.Clusters.Any(c => IsNestedIn(rows.Factors[f], rows.Factors[c]))).ToArray();
                kNested = nested.Length == modelFactors
                    ? K - (Enumerable.Range(0, modelFactors).Sum(f => (long)rows.Factors[f].LevelCount) - (modelFactors - 1)) + 1
                    : K - nested.Sum(f => (long)rows.Factors[f].LevelCount - 1);
                kNested = Math.Max(kNested, k + 1);
            }

            double gMin = clusterCounts.Min();
            v = new double[k * k];
            foreach ((int[] codes, int g, double sign) in terms)
            {
                double[] term = RowCovariance.Sandwich(bread, RowCovariance.ClusterMeat(x, target, beta, codes, g), k);
                double adjust = errors.Fixest ? 1.0 : g / (g - 1.0);
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] += sign * adjust * term[i];
                }
            }

            double factor = ((n - 1) / (double)(n - kNested)) * (errors.Fixest ? gMin / (gMin - 1) : 1.0);
            for (int i = 0; i < v.Length; i++)
            {
                v[i] *= factor;
            }
        }

        return Enumerable.Range(0, k).Select(j => v[(j * k) + j]).ToArray();
    }

    // x_i += α₀[segment] + Σ_q b_q[code_q(i)] for each covariate (right-hand side 1 + j of the
    // projection): element-wise, segments in parallel, the same bits for any thread count.
    private static void RestoreCovariates(double[][] covariates, FixedEffectsSolution projection, int[] segmentStart, int[][] otherCodes, int[] otherLevels, int threads)
    {
        if (covariates.Length == 0)
        {
            return;
        }

        var offset = new int[otherLevels.Length];
        for (int q = 1; q < otherLevels.Length; q++)
        {
            offset[q] = offset[q - 1] + otherLevels[q - 1];
        }

        int segments = segmentStart.Length - 1;
        const int chunks = 64;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            int first = (int)((long)segments * c / chunks), last = (int)((long)segments * (c + 1) / chunks);
            for (int j = 0; j < covariates.Length; j++)
            {
                double[] x = covariates[j];
                double[] alpha = projection.Absorbing[1 + j];
                double[] b = projection.Others[1 + j];
                for (int seg = first; seg < last; seg++)
                {
                    for (int i = segmentStart[seg]; i < segmentStart[seg + 1]; i++)
                    {
                        double t = alpha[seg];
                        for (int q = 0; q < otherCodes.Length; q++)
                        {
                            t += b[offset[q] + otherCodes[q][i]];
                        }

                        x[i] += t;
                    }
                }
            }
        });
    }

    private static bool IsNestedIn(FactorColumn factor, FactorColumn cluster)
    {
        var clusterOf = new int[factor.LevelCount];
        Array.Fill(clusterOf, -1);
        for (int i = 0; i < factor.Codes.Length; i++)
        {
            ref int c = ref clusterOf[factor.Codes[i]];
            if (c < 0)
            {
                c = cluster.Codes[i];
            }
            else if (c != cluster.Codes[i])
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsConstantWithin(double[] x, FactorColumn factor)
    {
        var first = new double[factor.LevelCount];
        var seen = new bool[factor.LevelCount];
        int[] codes = factor.Codes;
        for (int i = 0; i < x.Length; i++)
        {
            int l = codes[i];
            if (!seen[l])
            {
                seen[l] = true;
                first[l] = x[i];
            }
            else if (BitConverter.DoubleToInt64Bits(first[l]) != BitConverter.DoubleToInt64Bits(x[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static double Squares(double[] x, int threads) => ChunkedSum(x, 0, threads);

    private static double CentredSquares(double[] x, int threads)
    {
        double mean = ChunkedSum(x, double.NaN, threads) / x.Length;
        return ChunkedSum(x, mean, threads);
    }

    // Σ x (centre NaN) or Σ (x − centre)², over fixed chunks merged in order.
    private static double ChunkedSum(double[] x, double centre, int threads)
    {
        int n = x.Length;
        int chunks = Math.Max(1, (n + ChunkRows - 1) / ChunkRows);
        var partial = new double[chunks];
        bool plain = double.IsNaN(centre);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            int end = Math.Min(n, (c + 1) * ChunkRows);
            double s = 0;
            for (int i = c * ChunkRows; i < end; i++)
            {
                double d = plain ? x[i] : x[i] - centre;
                s += plain ? d : d * d;
            }

            partial[c] = s;
        });
        double total = 0;
        foreach (double p in partial)
        {
            total += p;
        }

        return total;
    }
}
