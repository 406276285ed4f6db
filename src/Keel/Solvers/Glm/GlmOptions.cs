namespace Keel.Solvers.Glm;

/// <summary>Stopping rule of the likelihood iterations (<see cref="Irls"/>); each default defined once.</summary>
internal sealed record GlmOptions
{
    public static GlmOptions Default { get; } = new();

    /// <summary>
    /// Stop when |D − D_old| / (|D| + 0.1) &lt; Tolerance, D the deviance of the cells after an
    /// iteration: R's glm.control rule, 100 times tighter than R's default 1e-8. Newton's method
    /// converges quadratically near the optimum, so the coefficients then agree with the maximum
    /// of the likelihood to far more digits than the deviance's relative change suggests.
    /// </summary>
    public double Tolerance { get; init; } = 1e-10;

    /// <summary>Iteration limit (R: 25). A fit that reaches it is reported with converged: false and exit 1.</summary>
    public int MaxIterations { get; init; } = 50;

    /// <summary>Halvings of a step whose deviance is not finite before giving up (R halves the same way).</summary>
    public int MaxStepHalvings { get; init; } = 30;

    /// <summary>
    /// Weight K of the positive cells in the separation certificate's regressions (SeparationCertificate):
    /// it holds the fit there to about 1/K of its scale, far inside <see cref="SeparationTolerance"/>.
    /// </summary>
    public double SeparationWeight { get; init; } = 1e10;

    /// <summary>Fitted values of the certificate's regressions within this of 0 count as 0 (u starts at 1 on zero cells).</summary>
    public double SeparationTolerance { get; init; } = 1e-6;

    /// <summary>Rounds of the iterated rectifier before giving up (a separation left then shows as NOT_CONVERGED).</summary>
    public int SeparationMaxRounds { get; init; } = 100;
}
