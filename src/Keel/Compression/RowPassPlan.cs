namespace Keel.Compression;

/// <summary>
/// What the row pass reads: the target (optionally log-transformed per row, before summing),
/// an optional weight column, and the regressor columns whose values make a cell's key.
/// </summary>
internal sealed record RowPassPlan(string TargetColumn, bool LogTarget, string? WeightColumn, IReadOnlyList<string> KeyColumns)
{
    /// <summary>Drop rows whose target or weight is invalid (text, log of a non-positive value) instead of stopping with an error.</summary>
    public bool DropInvalid { get; init; }
}
