using Keel.Solvers;

namespace Keel.Pipeline;

/// <summary>Which standard errors the result reports.</summary>
internal enum StandardErrorKind
{
    /// <summary>σ²·(X'WX)⁻¹: homoskedastic errors.</summary>
    Classical,

    /// <summary>MacKinnon &amp; White (1985) HC1: n/(n−k)·(X'WX)⁻¹·X'ΩX·(X'WX)⁻¹.</summary>
    Hc1,
}

/// <summary>The small-sample factors of robust standard errors (docs/fixed-effects.md).</summary>
internal enum SmallSampleConvention
{
    /// <summary>R's sandwich on the full dummy model: HC1 n/(n−K); cluster G/(G−1)·(n−1)/(n−K), each way its own G; K the exact rank.</summary>
    Sandwich,

    /// <summary>fixest's defaults: K counts each factor as levels − 1 (plus the intercept), factors nested in a cluster not counted; cluster factor min G/(min G − 1).</summary>
    Fixest,
}

/// <summary>Everything a fit needs to know; each default defined here once.</summary>
internal sealed record FitOptions
{
    public required string Formula { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }

    public string? WeightColumn { get; init; }

    public SolverChoice Solver { get; init; } = SolverChoice.Auto;

    /// <summary>Drop rows with an invalid target or weight (text, log of a non-positive value) instead of failing.</summary>
    public bool DropInvalid { get; init; }

    /// <summary>Threads for the row pass and the solver; results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>LSMR tolerance on ||A'r|| relative to ||A||·||r|| (and on ||r|| relative to ||b||).</summary>
    public double IterativeTolerance { get; init; } = 1e-10;

    /// <summary>Iteration cap for LSMR; null for the solver's own default.</summary>
    public int? MaxIterations { get; init; }

    /// <summary>λ, α, folds and tolerances of ridge, lasso and elastic net.</summary>
    public Keel.Solvers.Penalized.PenalizedOptions Penalized { get; init; } = Keel.Solvers.Penalized.PenalizedOptions.Default;

    /// <summary>Schedule, epochs and seed of averaged SGD.</summary>
    public Keel.Solvers.Stochastic.SgdOptions Sgd { get; init; } = Keel.Solvers.Stochastic.SgdOptions.Default;

    /// <summary>Classical (default) or HC1 standard errors.</summary>
    public StandardErrorKind StandardErrors { get; init; } = StandardErrorKind.Classical;

    /// <summary>A categorical column to cluster the standard errors by (Cameron &amp; Miller 2015), or null.</summary>
    public string? ClusterColumn { get; init; }

    /// <summary>A second cluster column for two-way clustering (Cameron, Gelbach &amp; Miller 2011; row path only), or null.</summary>
    public string? SecondClusterColumn { get; init; }

    /// <summary>Whose small-sample conventions the robust standard errors follow on the row path.</summary>
    public SmallSampleConvention SmallSample { get; init; } = SmallSampleConvention.Sandwich;

    /// <summary>True when an output needs the cells (--cells-out, --report): the row path is then not taken.</summary>
    public bool NeedsCells { get; init; }

    /// <summary>Stopping rule of the row path's fixed-effects projection.</summary>
    public Keel.Solvers.FixedEffects.FixedEffectsOptions FixedEffects { get; init; } = Keel.Solvers.FixedEffects.FixedEffectsOptions.Default;

    /// <summary>The likelihood: gaussian (least squares, the default), poisson or binomial with their canonical links (docs/glm.md).</summary>
    public Keel.Solvers.Glm.GlmFamily Family { get; init; } = Keel.Solvers.Glm.GlmFamily.Gaussian;

    /// <summary>Only diagnose: no solve.</summary>
    public bool DiagnoseOnly { get; init; }

    /// <summary>The part of these options the iterative solver reads.</summary>
    public IterativeSettings Iterative => new(Threads, IterativeTolerance, MaxIterations, Solver == SolverChoice.Auto, DiagnoseOnly);

    /// <summary>Sources the caller opens itself (the library's in-memory columns); when set, <see cref="Inputs"/> is not read.</summary>
    public IReadOnlyList<Func<Keel.Data.ITabularSource>>? Sources { get; init; }
}
