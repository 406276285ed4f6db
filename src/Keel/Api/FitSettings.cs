namespace Keel;

/// <summary>Which least-squares method solves the model.</summary>
public enum SolverKind
{
    /// <summary>Dense QR when the design is small enough, LSMR otherwise; the result says which and why.</summary>
    Auto,

    /// <summary>Householder QR with sequential rank decisions (the earliest of collinear columns is kept) and refinement.</summary>
    Qr,

    /// <summary>LSMR (Fong and Saunders 2011) over the level codes, for large sparse designs.</summary>
    Lsmr,
}

/// <summary>The likelihood a fit maximises (R's glm family names), each with its canonical link.</summary>
public enum ModelFamily
{
    /// <summary>Least squares (identity link): Keel's ordinary fit.</summary>
    Gaussian,

    /// <summary>Poisson (pseudo-)likelihood with the log link: counts, non-negative amounts (PPML) or rates with <c>offset(log(exposure))</c>.</summary>
    Poisson,

    /// <summary>Binomial likelihood with the logit link: 0/1 targets, or proportions with the weights as trials.</summary>
    Binomial,
}

/// <summary>
/// How to fit: every setting has a default, so <c>new FitSettings()</c> (or passing <see langword="null"/>)
/// is the same as the command line without options. Settings that change the result are echoed in it.
/// </summary>
public sealed record FitSettings
{
    /// <summary>
    /// The likelihood: <see cref="ModelFamily.Gaussian"/> (least squares) by default; poisson and binomial
    /// are fitted by IRLS on the cells, each step solved by <see cref="Solver"/> (docs/glm.md). The
    /// command line's <c>--family</c>.
    /// </summary>
    public ModelFamily Family { get; init; } = ModelFamily.Gaussian;

    /// <summary>The least-squares method; <see cref="SolverKind.Auto"/> by default.</summary>
    public SolverKind Solver { get; init; } = SolverKind.Auto;

    /// <summary>A column of non-negative row weights, or <see langword="null"/> for unweighted least squares.</summary>
    public string? WeightColumn { get; init; }

    /// <summary>
    /// Drop rows whose target or weight is invalid (text, or the log of a non-positive value) with a
    /// <c>DROPPED_ROWS</c> warning, instead of failing with <see cref="KeelInputException"/>. Rows with a
    /// missing value are always dropped with a warning.
    /// </summary>
    public bool DropInvalidRows { get; init; }

    /// <summary>
    /// Threads for the row pass and the solver; <see langword="null"/> for all cores. The result does not
    /// depend on it: sums are exact and merged in a fixed order, so any thread count gives the same bits.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Stopping rule of the iterative solver (used when <see cref="Solver"/> chooses LSMR).</summary>
    public LsmrSettings Lsmr { get; init; } = new();
}

/// <summary>Stopping rule of LSMR, the iterative solver for large sparse designs.</summary>
public sealed record LsmrSettings
{
    /// <summary>
    /// Stop when ||A'r|| &lt;= Tolerance·||A||·||r|| (or ||r|| &lt;= Tolerance·||b||), a number between 0 and 1;
    /// <see langword="null"/> for Keel's default, which the result reports under <c>solver.tolerance</c>.
    /// </summary>
    public double? Tolerance { get; init; }

    /// <summary>Iteration limit; <see langword="null"/> for the solver's own default. Reaching it gives a result with <c>NOT_CONVERGED</c>.</summary>
    public int? MaxIterations { get; init; }
}
