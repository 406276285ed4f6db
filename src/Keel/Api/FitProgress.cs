namespace Keel;

/// <summary>The stage a fit is in.</summary>
public enum FitStage
{
    /// <summary>Reading rows into cells (one pass over the data).</summary>
    Reading,

    /// <summary>Solving the least-squares problem on the cells.</summary>
    Solving,
}

/// <summary>Progress of a fit, reported through <see cref="IProgress{T}"/> every 65,536 rows and at each stage.</summary>
public sealed record FitProgress
{
    /// <summary>The stage the fit is in.</summary>
    public required FitStage Stage { get; init; }

    /// <summary>Rows read so far, over all inputs.</summary>
    public required long RowsRead { get; init; }

    /// <summary>Cells (distinct combinations of the regressors) found so far.</summary>
    public required int Cells { get; init; }

    /// <summary>Share of the current input read so far, from 0 to 1, or <see langword="null"/> when unknown.</summary>
    public double? FractionRead { get; init; }

    /// <summary>While LSMR solves, the iteration just finished; otherwise <see langword="null"/>.</summary>
    public int? Iteration { get; init; }
}
