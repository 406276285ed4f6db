// RowGlm: poisson and logistic regression on the row path (rows that do not compress, factors
// absorbed), with the covariates' standard errors.
//
// Method: IRLS (Fisher scoring; for the canonical links Newton's method, McCullagh & Nelder 1989,
//   §2.5). Each step is a weighted least-squares fit of the working response z = η + (y − μ)/V(μ)
//   on the covariates and the factors with weights ω = V(μ), solved as the row path solves least
//   squares: Frisch–Waugh–Lovell with the factors projected out under the weights
//   (FixedEffectsProjection with ω: weighted means per level of the absorbing factor, conjugate
//   gradients on the weighted Schur complement for the others), then the covariates by QR of
//   √ω·X̃ (CovariateSolve). The new linear predictor is η = z − e, e the weighted step's residual,
//   so the factor effects are never needed inside the loop. This is the IRLS of ppmlhdfe (Correia,
//   Guimarães & Zylkin 2020, "Fast Poisson estimation with high-dimensional fixed effects", Stata
//   Journal 20(1)) and of fixest's feglm (Bergé 2018).
// Start and stop as R's glm.fit and the cell path (Irls): μ₀ = R's mustart, stop when
//   |D − D_old|/(|D| + 0.1) < GlmOptions.Tolerance; a step to a non-finite deviance is halved.
//   After convergence one more weighted step at the final η gives β, the factor effects and the
//   inverse Fisher information (X̃'ΩX̃)⁻¹ = (R₁₁ᵀR₁₁)⁻¹ of the classical standard errors; the
//   robust ones are the sandwich with scores x̃_i·(y_i − μ_i) (R's sandwich::estfun.glm with the
//   factors partialled out, as fixest's).
// Separation: rows of levels whose outcomes are all 0 (poisson; logit also all 1) are left out
//   before the fit by the caller (Separation.ForRows), as on the cell path; across-term
//   separation (the certificate of the cell path) is not searched on the row path (docs/glm.md).
// Weighted least squares (--weights on the row path) is the gaussian case: z = y and ω = the prior
//   weights, so IRLS is one weighted step (FitWeightedLeastSquares); σ² = Σw·e²/(n − K), the
//   sandwich's scores x̃_i·w_i·e_i (R's sandwich::estfun.lm of a weighted lm; fixest's feols with
//   weights).
// Invariant: every sum runs over the canonical row order in fixed chunks merged in chunk order, so
//   the bits do not depend on the thread count; the projection's own invariant holds with weights.
using Keel.LinearAlgebra;
using Keel.Rows;
using Keel.Solvers.FixedEffects;

namespace Keel.Solvers.Glm;

/// <summary>A likelihood fit on the row path: the last weighted step's fit and the likelihood's statistics.</summary>
/// <param name="Within">β, the covariates' variances, the factor effects (link scale) and the rank, as a least-squares fit of the row path gives them.</param>
/// <param name="Deviance">The rows' deviance at the estimates.</param>
/// <param name="NullDeviance">The deviance of the intercept-only model (μ = ȳ).</param>
/// <param name="Iterations">IRLS steps taken (the final step with the covariance included).</param>
/// <param name="Converged">False when the likelihood or a projection stopped at its limit.</param>
/// <param name="ProjectionIterations">Conjugate-gradient iterations of all the projections together.</param>
internal sealed record RowGlmFit(WithinFit Within, double Deviance, double NullDeviance, int Iterations, bool Converged, long ProjectionIterations)
{
    /// <summary>The working weights ω = V(μ) at the estimates (the Fisher information's), by row.</summary>
    public double[] Omega { get; init; } = [];
}

internal static class RowGlm
{
    private const int ChunkRows = 1 << 16;

    /// <summary>Fits <paramref name="family"/> to the rows (separated rows already left out; none is changed).</summary>
    /// <param name="offset">The offset o_i of each row (η = o + x'β + effects), or null.</param>
    public static RowGlmFit Fit(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, GlmFamily family, FixedEffectsOptions fixedEffects, GlmOptions options, WithinErrors errors, int threads, CancellationToken cancel, double[]? offset = null)
    {
        int n = rows.Count;
        int k = rows.Covariates.Length;
        double[] y = rows.Target;
        var step = new Step(rows, modelFactors, absorbing, segmentStart, fixedEffects, threads, offset);
        var eta = new double[n];
        var mu = new double[n];
        for (int i = 0; i < n; i++)
        {
            mu[i] = GlmFamilies.StartingMean(family, y[i], 1.0);
            eta[i] = GlmFamilies.LinearPredictor(family, mu[i]);
        }

        double devianceOld = Deviance(family, y, mu, threads);
        int iterations = 0;
        bool converged = false;
        long projectionIterations = 0;
        bool projectionsConverged = true;
        var etaNew = new double[n];
        while (iterations < options.MaxIterations)
        {
            cancel.ThrowIfCancellationRequested();
            iterations++;
            StepResult s = step.Run(family, y, eta, mu, etaNew, cancel);
            projectionIterations += s.Projection.Iterations;
            projectionsConverged &= s.Projection.Converged;
            double deviance = MeansAndDeviance(family, y, etaNew, mu, threads);
            for (int halving = 0; !double.IsFinite(deviance) && halving < options.MaxStepHalvings; halving++)
            {
                // R's glm.fit: a step to a non-finite deviance is halved towards the last good fit
                // (η is linear in the coefficients, so halving η halves the step).
                for (int i = 0; i < n; i++)
                {
                    etaNew[i] = 0.5 * (etaNew[i] + eta[i]);
                }

                deviance = MeansAndDeviance(family, y, etaNew, mu, threads);
            }

            if (!double.IsFinite(deviance))
            {
                MeansAndDeviance(family, y, eta, mu, threads);
                break;
            }

            (eta, etaNew) = (etaNew, eta);
            bool done = Math.Abs(deviance - devianceOld) / (Math.Abs(deviance) + 0.1) < options.Tolerance;
            devianceOld = deviance;
            if (done)
            {
                converged = true;
                break;
            }
        }

        // The last weighted step again at the final η: β, the effects and (X̃'ΩX̃)⁻¹ at the estimates.
        StepResult last = step.Run(family, y, eta, mu, etaNew, cancel);
        iterations++;
        projectionIterations += last.Projection.Iterations;
        projectionsConverged &= last.Projection.Converged;
        double finalDeviance = MeansAndDeviance(family, y, etaNew, mu, threads);
        double nullDeviance;
        if (offset is null)
        {
            nullDeviance = NullDeviance(family, y, Sum(y, threads) / n, threads);
        }
        else
        {
            // The intercept-only poisson model with the offset (R's null.deviance then fits it):
            // μ₀_i = e^{o_i}·Σy/Σe^{o}, the intercept's score equation Σ(y − μ₀) = 0.
            var exposure = new double[n];
            for (int i = 0; i < n; i++)
            {
                exposure[i] = ElementaryFunctions.Exp(offset[i]);
            }

            double scale = Sum(y, threads) / Sum(exposure, threads);
            for (int i = 0; i < n; i++)
            {
                exposure[i] *= scale;
            }

            nullDeviance = Deviance(family, y, exposure, threads);
        }

        CovariateSolution solution = last.Solution;
        (double[][] effects, long rankFactors, long fixestFactors, int[][] componentOfLevel, FactorRankDecision? identified) =
            WithinEstimator.FactorStructure(rows, modelFactors, absorbing, segmentStart, reference, last.Projection, solution.Kept, solution.Beta, threads);
        int kept = solution.Kept.Length;
        long rank = kept + rankFactors;
        long rankFixest = kept + fixestFactors;
        int[] clusterCounts = errors.Clusters.Select(c => rows.Factors[c].LevelCount).ToArray();
        double[]? variance = [];
        if (kept > 0)
        {
            // Scores x̃_i·(y_i − μ_i): RowCovariance's residual y − x·β with β = 0 and y − μ as the target.
            var score = new double[n];
            for (int i = 0; i < n; i++)
            {
                score[i] = y[i] - mu[i];
            }

            double[][] x = solution.Kept.Select(j => step.Projected[1 + j]).ToArray();
            // Classical: (X̃'ΩX̃)⁻¹ (dispersion 1, R's glm); under fixest's conventions times its
            // small-sample factor (n − 1)/(n − K), K counting every level, as fixest's "iid" does.
            double classical = errors.Fixest ? (n - 1) / (double)(n - rankFixest) : 1.0;
            variance = WithinEstimator.Variances(rows, modelFactors, x, score, new double[kept], solution.R, n, classical, rank, rankFixest, errors, clusterCounts, threads);
        }

        var within = new WithinFit(solution.Kept, solution.Beta, variance, last.Aliased, effects, rank, rankFixest, finalDeviance, nullDeviance, (int)Math.Min(int.MaxValue, projectionIterations), projectionsConverged, clusterCounts)
        {
            Identified = identified,
            ComponentOfLevel = modelFactors == 2 ? componentOfLevel : null,
        };
        return new RowGlmFit(within, finalDeviance, nullDeviance, iterations, converged && projectionsConverged, projectionIterations) { Omega = step.Omega };
    }

    /// <summary>
    /// Weighted least squares on the rows: the fit that minimises Σ w_i·(y_i − x_i'β − effects)², as
    /// one weighted within step (the gaussian family's IRLS); the covariates' standard errors with
    /// σ² = Σw·e²/(n − K) (classical) or the sandwich with scores x̃_i·w_i·e_i; Rss = Σw·e² and
    /// Tss = Σw·(y − ȳ_w)² (R's weighted lm). Every weight must be a positive number (the caller checks).
    /// </summary>
    public static WithinFit FitWeightedLeastSquares(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, int[] reference, double[] weights, FixedEffectsOptions fixedEffects, WithinErrors errors, int threads, CancellationToken cancel)
    {
        int n = rows.Count;
        double[] y = rows.Target;
        var step = new Step(rows, modelFactors, absorbing, segmentStart, fixedEffects, threads);
        var fitted = new double[n];
        StepResult s = step.FitWeighted(weights, y, fitted, cancel);
        CovariateSolution solution = s.Solution;
        (double[][] effects, long rankFactors, long fixestFactors, int[][] componentOfLevel, FactorRankDecision? identified) =
            WithinEstimator.FactorStructure(rows, modelFactors, absorbing, segmentStart, reference, s.Projection, solution.Kept, solution.Beta, threads);
        int kept = solution.Kept.Length;
        long rank = kept + rankFactors;
        long rankFixest = kept + fixestFactors;
        var score = new double[n];
        for (int i = 0; i < n; i++)
        {
            score[i] = weights[i] * (y[i] - fitted[i]);
        }

        // Σw·e² as Σ(w·e)·e, in fixed chunks.
        double rss = Chunked(n, threads, (from, to) =>
        {
            double sum = 0;
            for (int i = from; i < to; i++)
            {
                sum += score[i] * (y[i] - fitted[i]);
            }

            return sum;
        });
        double tss = WeightedCentredSquares(y, weights, threads);
        int[] clusterCounts = errors.Clusters.Select(c => rows.Factors[c].LevelCount).ToArray();
        double[]? variance = [];
        if (kept > 0)
        {
            // RowCovariance's residual y − x·β with β = 0 and the scores w·e as the target; the bread
            // (X̃'WX̃)⁻¹ from the QR of √w·X̃.
            double[][] x = solution.Kept.Select(j => step.Projected[1 + j]).ToArray();
            long k = errors.Fixest ? rankFixest : rank;
            variance = n > k ? WithinEstimator.Variances(rows, modelFactors, x, score, new double[kept], solution.R, n, rss / (n - k), rank, rankFixest, errors, clusterCounts, threads) : null;
        }

        return new WithinFit(solution.Kept, solution.Beta, variance, s.Aliased, effects, rank, rankFixest, rss, tss, s.Projection.Iterations, s.Projection.Converged, clusterCounts)
        {
            Identified = identified,
            ComponentOfLevel = modelFactors == 2 ? componentOfLevel : null,
        };
    }

    /// <summary>
    /// Rows separated by a combination of the regressors (SeparationCertificate's iterated rectifier
    /// on the rows): regress s∘u on the covariates and factors with weight K on the mixed rows and 1
    /// on the one-sided ones; s∘û within the tolerance of 0 is 0; when it is ≥ 0 on every one-sided
    /// row, the one-sided rows where it is positive are separated, else u = max(s∘û, 0) there and
    /// again. Null when none is found (or a regression did not converge: NOT_CONVERGED then shows
    /// any separation left). As on cells, data with no mixed row (a logit of 0/1 rows) skip it.
    /// </summary>
    public static bool[]? SeparatedByCombination(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, GlmFamily family, FixedEffectsOptions fixedEffects, GlmOptions options, int threads, CancellationToken cancel)
    {
        int n = rows.Count;
        double[] y = rows.Target;
        // One-sided rows (poisson: y = 0; logit: y = 0 or 1, with the side s = −1 or +1) need s·z ≥ 0,
        // the others ("mixed": y > 0, or a proportion strictly inside (0, 1)) z = 0: the cell path's
        // rule (SeparationCertificate) with a row for a cell.
        var oneSided = new bool[n];
        var sign = new double[n];
        bool anyOneSided = false, anyMixed = false;
        for (int i = 0; i < n; i++)
        {
            oneSided[i] = y[i] == 0 || (family == GlmFamily.Binomial && y[i] == 1);
            sign[i] = family == GlmFamily.Binomial && y[i] == 0 ? -1.0 : 1.0;
            anyOneSided |= oneSided[i];
            anyMixed |= !oneSided[i];
        }

        if (!anyOneSided || !anyMixed)
        {
            return null;
        }

        var step = new Step(rows, modelFactors, absorbing, segmentStart, fixedEffects, threads);
        var omega = new double[n];
        var u = new double[n];
        var target = new double[n];
        var fitted = new double[n];
        for (int i = 0; i < n; i++)
        {
            omega[i] = oneSided[i] ? 1.0 : options.SeparationWeight;
            u[i] = oneSided[i] ? 1.0 : 0.0;
        }

        for (int round = 0; round < options.SeparationMaxRounds; round++)
        {
            cancel.ThrowIfCancellationRequested();
            for (int i = 0; i < n; i++)
            {
                target[i] = sign[i] * u[i];
            }

            if (!step.Fitted(omega, target, fitted, cancel))
            {
                return null;
            }

            bool allNonNegative = true;
            for (int i = 0; i < n; i++)
            {
                if (oneSided[i])
                {
                    // s·û, values within the tolerance of 0 taken as 0.
                    fitted[i] = Math.Abs(fitted[i]) <= options.SeparationTolerance || !double.IsFinite(fitted[i]) ? 0.0 : sign[i] * fitted[i];
                    allNonNegative &= fitted[i] >= 0;
                }
            }

            if (allNonNegative)
            {
                bool[] separated = Enumerable.Range(0, n).Select(i => oneSided[i] && fitted[i] > 0).ToArray();
                return separated.Contains(true) ? separated : null;
            }

            for (int i = 0; i < n; i++)
            {
                u[i] = oneSided[i] ? Math.Max(fitted[i], 0.0) : 0.0;
            }
        }

        return null;
    }

    private sealed record StepResult(FixedEffectsSolution Projection, CovariateSolution Solution, IReadOnlyList<AliasedCovariate> Aliased);

    // One weighted least-squares step; its buffers are kept across steps (n·(k + 1) doubles twice).
    private sealed class Step
    {
        private readonly RowColumns _rows;
        private readonly int[] _segmentStart;
        private readonly int[][] _otherCodes;
        private readonly int[] _otherLevels;
        private readonly FixedEffectsOptions _options;
        private readonly int _threads;
        private readonly int[] _constantWithin;
        private readonly double[] _omega;
        private readonly double[] _z;
        private readonly double[][] _scaled;
        private readonly double[]? _offset;
        private int[]? _candidates;
        private double[][]? _start;
        private List<AliasedCovariate>? _absorbed;

        public Step(RowColumns rows, int modelFactors, int absorbing, int[] segmentStart, FixedEffectsOptions options, int threads, double[]? offset = null)
        {
            _rows = rows;
            _offset = offset;
            _segmentStart = segmentStart;
            _options = options;
            _threads = threads;
            int n = rows.Count;
            int k = rows.Covariates.Length;
            int[] others = Enumerable.Range(0, modelFactors).Where(f => f != absorbing).ToArray();
            _otherCodes = others.Select(f => rows.Factors[f].Codes).ToArray();
            _otherLevels = others.Select(f => rows.Factors[f].LevelCount).ToArray();
            // A covariate constant within the levels of a factor is absorbed whatever the weights.
            _constantWithin = Enumerable.Range(0, k).Select(j => Enumerable.Range(0, modelFactors).FirstOrDefault(f => WithinEstimator.IsConstantWithin(rows.Covariates[j], rows.Factors[f]), -1)).ToArray();
            _omega = new double[n];
            _z = new double[n];
            Projected = new double[k + 1][];
            _scaled = new double[k + 1][];
            for (int r = 0; r <= k; r++)
            {
                Projected[r] = new double[n];
                _scaled[r] = new double[n];
            }
        }

        /// <summary>The last step's weights ω.</summary>
        public double[] Omega => _omega;

        /// <summary>The last step's projected working response (0) and covariates (1 + j): z̃ and x̃_j.</summary>
        public double[][] Projected { get; }

        /// <summary>Weights and working response at (η, μ); the weighted fit; its η = z − e into <paramref name="etaOut"/>.</summary>
        public StepResult Run(GlmFamily family, double[] y, double[] eta, double[] mu, double[] etaOut, CancellationToken cancel)
        {
            int n = _rows.Count;
            for (int i = 0; i < n; i++)
            {
                double w = GlmFamilies.Variance(family, mu[i]);
                _omega[i] = w;
                // The working response without the offset (R's glm.fit: z = η − o + (y − μ)/V(μ)).
                _z[i] = eta[i] - (_offset?[i] ?? 0.0) + ((y[i] - mu[i]) / w);
            }

            StepResult result = Weighted(cancel);
            Residual(result.Solution, etaOut);
            for (int i = 0; i < n; i++)
            {
                etaOut[i] = _z[i] - etaOut[i] + (_offset?[i] ?? 0.0);
            }

            return result;
        }

        /// <summary>
        /// The fitted values of the weighted regression of <paramref name="target"/> on the covariates
        /// and the factors with weights <paramref name="omega"/> into <paramref name="fitted"/> (the
        /// separation certificate's regressions); null when the projection did not converge.
        /// </summary>
        public bool Fitted(double[] omega, double[] target, double[] fitted, CancellationToken cancel)
        {
            omega.AsSpan().CopyTo(_omega);
            target.AsSpan().CopyTo(_z);
            _candidates = null;  // decided afresh at these weights, and again at the likelihood's
            StepResult result = Weighted(cancel);
            _candidates = null;
            Residual(result.Solution, fitted);
            for (int i = 0; i < fitted.Length; i++)
            {
                fitted[i] = target[i] - fitted[i];
            }

            return result.Projection.Converged;
        }

        /// <summary>The weighted fit of <paramref name="target"/> with weights <paramref name="omega"/>: the step's result, its fitted values into <paramref name="fitted"/>.</summary>
        public StepResult FitWeighted(double[] omega, double[] target, double[] fitted, CancellationToken cancel)
        {
            omega.AsSpan().CopyTo(_omega);
            target.AsSpan().CopyTo(_z);
            StepResult result = Weighted(cancel);
            Residual(result.Solution, fitted);
            for (int i = 0; i < fitted.Length; i++)
            {
                fitted[i] = target[i] - fitted[i];
            }

            return result;
        }

        // e = z̃ − X̃β, the weighted step's residual.
        private void Residual(CovariateSolution solution, double[] e)
        {
            double[] zt = Projected[0];
            for (int i = 0; i < e.Length; i++)
            {
                double r = zt[i];
                for (int c = 0; c < solution.Kept.Length; c++)
                {
                    r -= solution.Beta[c] * Projected[1 + solution.Kept[c]][i];
                }

                e[i] = r;
            }
        }

        // The weighted least-squares fit of _z on the covariates and the factors with weights _omega.
        private StepResult Weighted(CancellationToken cancel)
        {
            int n = _rows.Count;
            int k = _rows.Covariates.Length;
            _z.AsSpan().CopyTo(Projected[0]);
            for (int j = 0; j < k; j++)
            {
                _rows.Covariates[j].AsSpan().CopyTo(Projected[1 + j]);
            }

            // Warm start: the previous step's effects, close to this step's (fixest's feglm does the same).
            FixedEffectsSolution projection = FixedEffectsProjection.Project(Projected, _segmentStart, _otherCodes, _otherLevels, _options, _threads, cancel, _omega, _start);
            _start = projection.Others;
            for (int r = 0; r <= k; r++)
            {
                double[] from = Projected[r];
                double[] to = _scaled[r];
                for (int i = 0; i < n; i++)
                {
                    to[i] = Math.Sqrt(_omega[i]) * from[i];
                }
            }

            if (_candidates is null)
            {
                // Absorbed by the factors (decided at the first step's weights, then kept): constant
                // within a factor, or a weighted residual norm at most AbsorbedTolerance of the
                // weighted centred norm.
                _absorbed = [];
                var candidates = new List<int>();
                for (int j = 0; j < k; j++)
                {
                    double residual = Math.Sqrt(Squares(_scaled[1 + j], _threads));
                    double centred = Math.Sqrt(WeightedCentredSquares(_rows.Covariates[j], _omega, _threads));
                    if (_constantWithin[j] >= 0 || centred == 0 || residual <= WithinEstimator.AbsorbedTolerance * centred)
                    {
                        _absorbed.Add(new AliasedCovariate(j, _constantWithin[j], true, []));
                    }
                    else
                    {
                        candidates.Add(j);
                    }
                }

                _candidates = [.. candidates];
            }

            CovariateSolution solution = CovariateSolve.Solve(_scaled[1..], _scaled[0], _candidates, _threads);
            var aliased = new List<AliasedCovariate>(_absorbed!);
            foreach (int j in solution.Collinear)
            {
                aliased.Add(new AliasedCovariate(j, -1, false, solution.Kept.Where(c => c < j).ToArray()));
            }

            return new StepResult(projection, solution, aliased);
        }
    }

    // μ = g⁻¹(η) into mu, and the rows' deviance Σ d(y_i, μ_i).
    private static double MeansAndDeviance(GlmFamily family, double[] y, double[] eta, double[] mu, int threads)
    {
        return Chunked(y.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                mu[i] = GlmFamilies.Mean(family, eta[i]);
                s += GlmFamilies.CellDeviance(family, y[i], 1.0, mu[i]);
            }

            return s;
        });
    }

    private static double Deviance(GlmFamily family, double[] y, double[] mu, int threads) =>
        Chunked(y.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                s += GlmFamilies.CellDeviance(family, y[i], 1.0, mu[i]);
            }

            return s;
        });

    private static double NullDeviance(GlmFamily family, double[] y, double mean, int threads) =>
        Chunked(y.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                s += GlmFamilies.CellDeviance(family, y[i], 1.0, mean);
            }

            return s;
        });

    private static double Sum(double[] x, int threads) =>
        Chunked(x.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                s += x[i];
            }

            return s;
        });

    private static double Squares(double[] x, int threads) =>
        Chunked(x.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                s += x[i] * x[i];
            }

            return s;
        });

    // Σω(x − x̄_ω)², x̄_ω = Σωx/Σω.
    private static double WeightedCentredSquares(double[] x, double[] omega, int threads)
    {
        double sw = Sum(omega, threads);
        double swx = Chunked(x.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                s += omega[i] * x[i];
            }

            return s;
        });
        double mean = sw > 0 ? swx / sw : 0;
        return Chunked(x.Length, threads, (from, to) =>
        {
            double s = 0;
            for (int i = from; i < to; i++)
            {
                double d = x[i] - mean;
                s += omega[i] * d * d;
            }

            return s;
        });
    }

    // A sum over fixed chunks of ChunkRows rows, computed in parallel and added in chunk order: the
    // same bits for any thread count.
    private static double Chunked(int n, int threads, Func<int, int, double> chunkSum)
    {
        int chunks = Math.Max(1, (n + ChunkRows - 1) / ChunkRows);
        var partial = new double[chunks];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, c =>
        {
            partial[c] = chunkSum(c * ChunkRows, Math.Min(n, (c + 1) * ChunkRows));
        });
        double total = 0;
        foreach (double p in partial)
        {
            total += p;
        }

        return total;
    }
}
