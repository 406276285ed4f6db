namespace Keel.Solvers.Penalized;

/// <summary>
/// Options of the penalised fits (ridge, lasso, elastic net). The objective, over rows, is glmnet's
/// (Friedman, Hastie &amp; Tibshirani 2010, eq. 1):
/// (1/(2·Σw))·Σ_rows w·(y − x'β)² + Lambda·(Alpha·‖β‖₁ + (1 − Alpha)/2·‖β‖₂²), intercept unpenalised.
/// The CLI reads its defaults from here.
/// </summary>
internal sealed record PenalizedOptions
{
    /// <summary>glmnet's floor on Alpha when computing the largest lambda of a path (for ridge, where λ_max would be infinite).</summary>
    public const double PathAlphaFloor = 1e-3;

    /// <summary>The penalty weight λ; null means choose it by K-fold cross-validation over the path.</summary>
    public double? Lambda { get; init; }

    /// <summary>The elastic-net mix: 1 is the lasso, 0 is ridge.</summary>
    public double Alpha { get; init; } = 1.0;

    /// <summary>Folds of the cross-validation when <see cref="Lambda"/> is null (glmnet's cv.glmnet default, 10).</summary>
    public int Folds { get; init; } = 10;

    /// <summary>Number of λ values on the path from λ_max down (glmnet's nlambda).</summary>
    public int PathLength { get; init; } = 100;

    /// <summary>
    /// Smallest λ of the path as a fraction of λ_max; null for glmnet's rule: 1e-4 when rows exceed
    /// parameters, 1e-2 otherwise (lambda.min.ratio).
    /// </summary>
    public double? MinRatio { get; init; }

    /// <summary>
    /// Coordinate descent stops when, over a full sweep, every coordinate's change moves the fitted
    /// values by a weighted mean square v_j·Δβ_j² of at most Tolerance times the null variance
    /// (the weighted variance of y about its mean). glmnet's thresh is 1e-7; cells make sweeps cheap,
    /// so Keel asks for more: 1e-14 leaves coefficients correct to about 7 significant digits
    /// of the fitted-value scale on well-conditioned designs, and far more on most.
    /// </summary>
    public double Tolerance { get; init; } = 1e-14;

    /// <summary>
    /// The coordinate-descent tolerance inside cross-validation folds. CV only ranks λ values by a
    /// held-out error whose fold-to-fold standard error is many orders larger than what this moves.
    /// </summary>
    public double CrossValidationTolerance { get; init; } = 1e-10;

    /// <summary>Limit on coordinate-descent sweeps per λ (each one pass over the kept columns' cells).</summary>
    public int MaxSweeps { get; init; } = 100_000;

    /// <summary>Seed of the fold assignment of cells (same seed, same folds, same result).</summary>
    public ulong Seed { get; init; }

    public static PenalizedOptions Default { get; } = new();
}
