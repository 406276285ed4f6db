namespace Keel.Solvers.Penalized;

/// <summary>Cross-validated error along a λ path.</summary>
/// <param name="Lambdas">The path, largest first.</param>
/// <param name="MeanError">Held-out mean squared error per row at each λ (pooled over folds: Σ held-out SSE / Σ held-out w).</param>
/// <param name="StandardError">Standard error of the fold errors at each λ (cv.glmnet's cvsd).</param>
/// <param name="BestIndex">The λ of least MeanError (lambda.min).</param>
/// <param name="OneStandardErrorIndex">The largest λ whose MeanError is within one StandardError of the best (lambda.1se).</param>
/// <param name="Converged">False when any fold hit the sweep limit at some λ.</param>
internal sealed record CrossValidationResult(double[] Lambdas, double[] MeanError, double[] StandardError, int BestIndex, int OneStandardErrorIndex, bool Converged, long Sweeps);

/// <summary>
/// K-fold cross-validation over cells (cv.glmnet's procedure, Friedman, Hastie &amp; Tibshirani 2010,
/// §2.5, on the full data's λ path). A held-out cell's squared error is Σw·(ȳ − f)² + its pure error,
/// exactly the rows' Σw·(y − f)². Folds come from <see cref="FoldAssignment"/>; the fits run one after
/// another in fold order (serial: the result does not depend on the thread count).
/// </summary>
internal static class CrossValidation
{
    public static CrossValidationResult Run(CellColumns columns, double[] weightByCell, double[] meanByCell, double[] pureErrorByCell, bool[] penalized, double alpha, double[] lambdas, int folds, PenalizedOptions options)
    {
        int m = columns.CellCount;
        int[] foldOf = FoldAssignment.FoldOfCell(m, folds, options.Seed);
        var errorByFold = new double[folds, lambdas.Length];
        var weightOfFold = new double[folds];
        bool converged = true;
        long sweeps = 0;
        for (int k = 0; k < folds; k++)
        {
            var training = new double[m];
            for (int c = 0; c < m; c++)
            {
                training[c] = foldOf[c] == k ? 0.0 : weightByCell[c];
                weightOfFold[k] += foldOf[c] == k ? weightByCell[c] : 0.0;
            }

            var cd = new CoordinateDescent(columns, training, meanByCell, penalized, options with { Tolerance = Math.Max(options.Tolerance, options.CrossValidationTolerance) });
            cd.FitUnpenalized();
            double previous = lambdas[0];
            for (int l = 0; l < lambdas.Length; l++)
            {
                converged &= cd.Fit(lambdas[l], previous, alpha) == CoordinateDescentStop.Converged;
                previous = lambdas[l];
                double[] fitted = cd.FittedByCell();
                double sse = 0;
                for (int c = 0; c < m; c++)
                {
                    if (foldOf[c] == k)
                    {
                        double d = meanByCell[c] - fitted[c];
                        sse += (weightByCell[c] * d * d) + pureErrorByCell[c];
                    }
                }

                errorByFold[k, l] = sse;
            }

            sweeps += cd.Sweeps;
        }

        double totalWeight = weightOfFold.Sum();
        var mean = new double[lambdas.Length];
        var se = new double[lambdas.Length];
        for (int l = 0; l < lambdas.Length; l++)
        {
            double sse = 0;
            for (int k = 0; k < folds; k++)
            {
                sse += errorByFold[k, l];
            }

            mean[l] = sse / totalWeight;
            double spread = 0;
            for (int k = 0; k < folds; k++)
            {
                double mse = weightOfFold[k] > 0 ? errorByFold[k, l] / weightOfFold[k] : mean[l];
                spread += weightOfFold[k] * (mse - mean[l]) * (mse - mean[l]);
            }

            se[l] = Math.Sqrt(spread / totalWeight / (folds - 1));
        }

        int best = 0;
        for (int l = 1; l < lambdas.Length; l++)
        {
            best = mean[l] < mean[best] ? l : best;
        }

        int oneSe = best;
        for (int l = 0; l < best; l++)
        {
            if (mean[l] <= mean[best] + se[best])
            {
                oneSe = l;
                break;
            }
        }

        return new CrossValidationResult(lambdas, mean, se, best, oneSe, converged, sweeps);
    }
}
