namespace Keel.Solvers.Stochastic;

/// <summary>Options of averaged SGD; the CLI reads its defaults from here.</summary>
internal sealed record SgdOptions
{
    /// <summary>
    /// Passes over the data, one pass being as many sampled cells as there are cells. Averaged SGD's
    /// error falls like 1/steps (Bach &amp; Moulines 2013), so each tenfold gain costs ten times the work.
    /// </summary>
    public int MaxEpochs { get; init; } = 1000;

    /// <summary>
    /// Stop after an epoch when the averaged iterate satisfies LSMR's stop 2,
    /// ‖Aᵀr‖ ≤ Tolerance·‖A‖_F·‖r‖ (A = √W·X over cells). Weaker than LSMR's default 1e-10 because
    /// SGD cannot reach that in any reasonable number of epochs (docs/sgd.md has the figures).
    /// </summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>
    /// Constant step γ = StepFactor / R², R² = max over cells of ‖x_c‖²: Bach &amp; Moulines (2013)
    /// prove the O(1/n) rate of averaged least-mean-squares for γ = 1/(4R²).
    /// </summary>
    public double StepFactor { get; init; } = 0.25;

    /// <summary>Seed of the sampling of cells: same seed, same data, same bits.</summary>
    public ulong Seed { get; init; }

    public static SgdOptions Default { get; } = new();
}
