namespace Keel.Results;

/// <summary>
/// The DROPPED_ROWS and ZERO_WEIGHT_ROWS warnings, in that order, worded once for both paths
/// (ResultAssembler from the cells' counts, RowResultAssembler from the rows').
/// </summary>
internal static class RowsLeftOutWarnings
{
    /// <summary>Adds the warnings that apply to <paramref name="warnings"/>.</summary>
    /// <param name="rowsRead">Data rows read.</param>
    /// <param name="droppedMissing">Rows with a missing value in a column of the formula.</param>
    /// <param name="droppedInvalid">Rows with an invalid target.</param>
    /// <param name="zeroWeight">Rows of weight 0 (left out, not counted as dropped).</param>
    public static void Add(List<FitWarning> warnings, long rowsRead, long droppedMissing, long droppedInvalid, long zeroWeight)
    {
        long dropped = droppedMissing + droppedInvalid;
        if (dropped > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.DroppedRows, $"{dropped} of {rowsRead} rows were left out: {droppedMissing} with a missing value, {droppedInvalid} with an invalid target"));
        }

        if (zeroWeight > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.ZeroWeightRows, $"{zeroWeight} rows have weight 0 and do not count (as if left out)"));
        }
    }
}
