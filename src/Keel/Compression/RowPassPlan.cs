namespace Keel.Compression;

/// <summary>
/// What the row pass reads: the target (optionally log-transformed per row, before summing),
/// an optional weight column, and the regressor columns whose values make a cell's key.
/// </summary>
internal sealed record RowPassPlan(string TargetColumn, bool LogTarget, string? WeightColumn, IReadOnlyList<string> KeyColumns)
{
    /// <summary>Drop rows whose target or weight is invalid (text, log of a non-positive value) instead of stopping with an error.</summary>
    public bool DropInvalid { get; init; }

    /// <summary>The values the target may take (after any log): a row outside stops the pass naming it, or is dropped with --na drop.</summary>
    public TargetDomain TargetDomain { get; init; } = TargetDomain.Any;

    /// <summary>
    /// The column of the formula's offset, or null: the pass adds Σw·e^offset to each cell (the exposure
    /// itself when <see cref="OffsetLog"/>), the statistic the poisson likelihood needs (docs/glm.md).
    /// </summary>
    public string? OffsetColumn { get; init; }

    /// <summary>True for offset(log(e)): e^offset is the column's value, which must be positive.</summary>
    public bool OffsetLog { get; init; }

    /// <summary>
    /// Also sum Σw·y·log y per cell (0·log 0 = 0; log correctly rounded, each term added exactly): with it
    /// a poisson fit's deviance is the rows', not only the grouped cells' (docs/glm.md).
    /// </summary>
    public bool SumWYLogY { get; init; }
}

/// <summary>The range a family's likelihood needs of the target (docs/glm.md).</summary>
internal enum TargetDomain
{
    /// <summary>Any finite number (least squares).</summary>
    Any,

    /// <summary>y ≥ 0 (poisson).</summary>
    NonNegative,

    /// <summary>0 ≤ y ≤ 1 (binomial: 0/1 or a proportion).</summary>
    UnitInterval,
}
