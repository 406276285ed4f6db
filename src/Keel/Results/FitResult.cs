namespace Keel.Results;

/// <summary>Stable warning identifiers of the result contract.</summary>
internal static class WarningCodes
{
    public const string Aliased = "ALIASED";
    public const string IllConditioned = "ILL_CONDITIONED";
    public const string Collinear = "COLLINEAR";
    public const string SingletonLevels = "SINGLETON_LEVELS";
    public const string ConflictingDuplicates = "CONFLICTING_DUPLICATES";
    public const string ExpOverflow = "EXP_OVERFLOW";
    public const string NotConverged = "NOT_CONVERGED";
    public const string DroppedRows = "DROPPED_ROWS";
    public const string ZeroWeightRows = "ZERO_WEIGHT_ROWS";
    public const string NonFinite = "NON_FINITE";
    public const string StandardErrorsUnavailable = "STD_ERRORS_UNAVAILABLE";
    public const string NoResidualDegreesOfFreedom = "NO_RESIDUAL_DF";
    public const string AliasingUnchecked = "ALIASING_UNCHECKED";
    public const string Penalized = "PENALIZED";
    public const string LambdaAtPathEnd = "LAMBDA_AT_PATH_END";
    public const string Separation = "SEPARATION";
}

/// <summary>What a likelihood fit (`--family poisson|binomial`) adds to the result (docs/glm.md).</summary>
internal sealed class GlmReport
{
    public required Keel.Solvers.Glm.GlmFamily Family { get; init; }

    /// <summary>The deviance at the estimates: of the rows when <see cref="DevianceOfRows"/>, else of the grouped cells.</summary>
    public required double Deviance { get; init; }

    /// <summary>The deviance of the intercept-only model (of μ = g⁻¹(0) without an intercept), on the same basis.</summary>
    public required double NullDeviance { get; init; }

    /// <summary>True when the cells determine the rows' deviance (R's glm on the rows); see docs/glm.md.</summary>
    public required bool DevianceOfRows { get; init; }

    /// <summary>False when the likelihood iterations stopped at their limit (NOT_CONVERGED, exit 1).</summary>
    public required bool Converged { get; init; }

    /// <summary>Rows in the fit: rows used minus the separated rows.</summary>
    public required long RowsFitted { get; init; }

    /// <summary>Residual degrees of freedom of the null model: rows fitted minus 1 with an intercept.</summary>
    public required long DfNull { get; init; }

    /// <summary>Rows left out because their level is separated.</summary>
    public required long SeparatedRows { get; init; }

    /// <summary>By solved column: true when every row of the column was separated (estimate infinite, reported null).</summary>
    public required bool[] SeparatedColumns { get; init; }

    /// <summary>The SEPARATION warning's sentence, or null when nothing is separated.</summary>
    public string? SeparationMessage { get; init; }

    /// <summary>IRLS steps taken (the result's iterations: the likelihood's, not the last weighted solve's).</summary>
    public required int Iterations { get; init; }

    /// <summary>The likelihood's stopping tolerance on the relative change of the deviance.</summary>
    public required double Tolerance { get; init; }

    /// <summary>Why the likelihood iterations stopped, in words.</summary>
    public required string StopReason { get; init; }
}

/// <summary>An F statistic with its degrees of freedom and upper-tail p-value.</summary>
internal sealed record FTest(double F, long Df1, long Df2, double PValue);

/// <summary>A warning: a stable code and a sentence for people.</summary>
internal sealed record FitWarning(string Code, string Message);

/// <summary>One coefficient of the result (immutable: a change is a copy, <c>c with { … }</c>).</summary>
internal sealed record CoefficientResult
{
    public required string Name { get; init; }

    public required string Term { get; init; }

    public string? Level { get; init; }

    public double? Estimate { get; init; }

    public double? StdError { get; init; }

    public CoefficientStatus Status { get; init; }

    /// <summary>For an aliased coefficient, the columns it is a combination of.</summary>
    public IReadOnlyList<string>? AliasedWith { get; init; }

    /// <summary>The dependency in words, e.g. "region[R3] = city[C012] + city[C044]".</summary>
    public string? AliasExplanation { get; init; }

    /// <summary>exp(estimate) for a log target or a poisson/binomial fit; null where it does not fit in a double.</summary>
    public double? ExpEstimate { get; init; }

    /// <summary>exp(<paramref name="estimate"/>) (Keel's own correctly rounded exp), or null where it is not a finite double (EXP_OVERFLOW).</summary>
    public static double? GuardedExp(double? estimate) =>
        estimate is { } e && Keel.LinearAlgebra.ElementaryFunctions.Exp(e) is var x && double.IsFinite(x) ? x : null;

    /// <summary>This coefficient without estimate, standard error and exp (keel diagnose); a reference level keeps its 0.</summary>
    public CoefficientResult WithoutValues() =>
        Status == CoefficientStatus.Reference ? this : this with { Estimate = null, StdError = null, ExpEstimate = null };
}

/// <summary>
/// Everything a fit (or a diagnosis) says, in the shape of the result JSON. Immutable: the
/// assemblers (<see cref="ResultAssembler"/>, <see cref="RowResultAssembler"/>) compute its parts
/// first and build it once, then sanitise it into a copy (<see cref="ResultSanitizer"/>); the JSON
/// reader builds it once too; nothing changes it after.
/// </summary>
internal sealed record FitResult
{
    public required string Formula { get; init; }

    public bool LogTarget { get; init; }

    /// <summary>For `--family poisson|binomial`: family, deviances and separation; null for least squares.</summary>
    public GlmReport? Glm { get; init; }

    /// <summary>True when coefficients are multiplicative effects and carry exp_estimate (log target, poisson, binomial).</summary>
    public bool ReportsExpEstimate => LogTarget || Glm is not null;

    public long Rows { get; init; }

    public int Cells { get; init; }

    public long DroppedRows { get; init; }

    public string? SolverName { get; init; }

    public string? SolverReason { get; init; }

    public bool Converged { get; init; } = true;

    public int? Iterations { get; init; }

    public double? Tolerance { get; init; }

    public string? StopReason { get; init; }

    public IReadOnlyList<CoefficientResult> Coefficients { get; init; } = [];

    public int Parameters { get; init; }

    public int Rank { get; init; }

    public double? ConditionNumber { get; init; }

    public string? ConditionMethod { get; init; }

    public int SingletonLevels { get; init; }

    public IReadOnlyList<FitWarning> Warnings { get; init; } = [];

    public double? Rss { get; init; }

    public double? Tss { get; init; }

    public double? RSquared { get; init; }

    public double? AdjRSquared { get; init; }

    public double? Sigma { get; init; }

    public long? DfResidual { get; init; }

    public double? PureErrorSs { get; init; }

    public long CellsWithReplicates { get; init; }

    /// <summary>Overall F test of the model against the intercept-only (or empty) model.</summary>
    public FTest? ModelF { get; init; }

    /// <summary>Lack-of-fit F test of the model against the saturated cell-means model (needs replicated cells).</summary>
    public FTest? LackOfFit { get; init; }

    /// <summary>Belsley near-dependencies (condition index, names and variance proportions).</summary>
    public IReadOnlyList<(double Index, IReadOnlyList<(string Name, double Proportion)> Involved)> NearDependencies { get; init; } = [];

    public int Threads { get; init; } = 1;

    /// <summary>Which standard errors were reported: "classical", "hc1" or "cluster(COL)"; null when none.</summary>
    public string? StdErrorType { get; init; }

    /// <summary>Number of clusters of cluster-robust standard errors, or null.</summary>
    public int? Clusters { get; init; }

    /// <summary>λ, α and how they were chosen, for a penalised fit; null otherwise.</summary>
    public Keel.Solvers.Penalized.PenaltyReport? Penalty { get; init; }

    /// <summary>What `keel predict` needs: written under "model".</summary>
    public ModelSpec? Model { get; init; }
}
