namespace Keel;

/// <summary>One column of the design: its estimate, standard error and status.</summary>
public sealed record Coefficient
{
    /// <summary><c>(Intercept)</c>, the column name of a continuous term, <c>term[level]</c> for a level, <c>a[x]:b[y]</c> for an interaction.</summary>
    public required string Name { get; init; }

    /// <summary>The formula term the coefficient belongs to, e.g. <c>region</c> or <c>C(month)</c>.</summary>
    public required string Term { get; init; }

    /// <summary>The level of a categorical term, or <see langword="null"/> for a continuous one.</summary>
    public string? Level { get; init; }

    /// <summary>The estimate; <see langword="null"/> when the coefficient is aliased (or the value does not exist, with a warning).</summary>
    public double? Estimate { get; init; }

    /// <summary>Standard error of the estimate; <see langword="null"/> where it does not exist.</summary>
    public double? StdError { get; init; }

    /// <summary>For a <c>log(...)</c> target, exp(estimate): the multiplicative effect; otherwise <see langword="null"/>.</summary>
    public double? ExpEstimate { get; init; }

    /// <summary>Estimated, reference level, aliased or regularized.</summary>
    public required CoefficientStatus Status { get; init; }

    /// <summary>For an aliased coefficient, the names of the earlier columns it is a combination of; otherwise empty.</summary>
    public IReadOnlyList<string> AliasedWith { get; init; } = [];

    /// <summary>For an aliased coefficient, the dependency in words, e.g. <c>region[R3] = city[C03] + city[C09]</c>.</summary>
    public string? AliasExplanation { get; init; }
}

/// <summary>A warning of the result: a stable code (<c>ALIASED</c>, <c>ILL_CONDITIONED</c>, ...) and a sentence for people.</summary>
public sealed record RegressionWarning
{
    /// <summary>Stable identifier, e.g. <c>ALIASED</c>, <c>DROPPED_ROWS</c>, <c>NOT_CONVERGED</c>.</summary>
    public required string Code { get; init; }

    /// <summary>What happened and what to do about it.</summary>
    public required string Message { get; init; }
}

/// <summary>What Keel found out about the design before (and independently of) the estimates.</summary>
public sealed record RegressionDiagnostics
{
    /// <summary>Columns of the design, reference levels not counted.</summary>
    public required int Parameters { get; init; }

    /// <summary>Rank of the design: the number of identified columns.</summary>
    public required int Rank { get; init; }

    /// <summary>Belsley's scaled 2-norm condition number of the solved design, or <see langword="null"/> when not computed.</summary>
    public double? ConditionNumber { get; init; }

    /// <summary>How the condition number was obtained (<c>exact</c> or an estimate, and by what).</summary>
    public string? ConditionMethod { get; init; }

    /// <summary>Names of the aliased coefficients, in design order.</summary>
    public required IReadOnlyList<string> Aliased { get; init; }

    /// <summary>Categorical levels seen in exactly one row.</summary>
    public required int SingletonLevels { get; init; }
}

/// <summary>Goodness of fit; a value is <see langword="null"/> where it does not exist (a warning says why).</summary>
public sealed record FitStatistics
{
    /// <summary>Residual sum of squares (weighted).</summary>
    public double? ResidualSumOfSquares { get; init; }

    /// <summary>Total sum of squares about the mean (or about zero without an intercept).</summary>
    public double? TotalSumOfSquares { get; init; }

    /// <summary>R².</summary>
    public double? RSquared { get; init; }

    /// <summary>R² adjusted for the residual degrees of freedom.</summary>
    public double? AdjustedRSquared { get; init; }

    /// <summary>Residual standard error.</summary>
    public double? Sigma { get; init; }

    /// <summary>Residual degrees of freedom: rows with positive weight minus the rank.</summary>
    public long? ResidualDegreesOfFreedom { get; init; }

    /// <summary>Within-cell sum of squares: the part of the residual no model of these regressors can explain.</summary>
    public double? PureErrorSumOfSquares { get; init; }
}
