namespace Keel.Compression;

/// <summary>
/// Exact sufficient statistics of a dataset for one set of regressor columns: one cell per distinct
/// combination of their values, holding the row count and the exact sums Σw, Σw·y, Σw·y².
/// Least squares on the cells, weighted by Σw, gives the answer of least squares on the rows, and
/// Σw·y² − (Σw·y)²/Σw per cell is the within-cell (pure error) sum of squares.
/// Invariant: cells are sorted by their key codes (lexicographic in key-column order) and keys are
/// unique, so the table depends only on the multiset of rows.
/// </summary>
internal sealed class CellTable
{
    public CellTable(KeyColumn[] keyColumns, int cellCount, int[] keyCodes, long[] rowCount, ExactSum[] sumW, ExactSum[] sumWy, ExactSum[] sumWy2, RowPassCounts counts)
    {
        KeyColumns = keyColumns;
        CellCount = cellCount;
        KeyCodes = keyCodes;
        RowCount = rowCount;
        SumW = sumW;
        SumWy = sumWy;
        SumWy2 = sumWy2;
        Counts = counts;
    }

    /// <summary>The regressor columns that make a cell's key, with their canonical values.</summary>
    public KeyColumn[] KeyColumns { get; }

    /// <summary>Number of cells.</summary>
    public int CellCount { get; }

    /// <summary>Key codes, cell-major: the code of key column j in cell c is KeyCodes[c * KeyColumns.Length + j].</summary>
    public int[] KeyCodes { get; }

    /// <summary>Rows in each cell.</summary>
    public long[] RowCount { get; }

    /// <summary>Exact Σw per cell.</summary>
    public ExactSum[] SumW { get; }

    /// <summary>Exact Σw·y per cell.</summary>
    public ExactSum[] SumWy { get; }

    /// <summary>Exact Σw·y² per cell.</summary>
    public ExactSum[] SumWy2 { get; }

    /// <summary>Exact Σw·e^offset per cell when the formula has an offset (Σw·exposure for offset(log(exposure))), else null.</summary>
    public ExactSum[]? SumWExpOffset { get; init; }

    /// <summary>Exact Σw·y·log y per cell when the row pass kept it (poisson fits; not in cells files nor SQL pass), else null.</summary>
    public ExactSum[]? SumWYLogY { get; init; }

    /// <summary>Rows read, used and dropped.</summary>
    public RowPassCounts Counts { get; }

    /// <summary>The code of key column <paramref name="column"/> in cell <paramref name="cell"/>.</summary>
    public int Code(int cell, int column) => KeyCodes[(cell * KeyColumns.Length) + column];
}

/// <summary>What happened to the rows of the pass.</summary>
internal sealed record RowPassCounts(long RowsRead, long RowsUsed, long DroppedMissing, long DroppedInvalid, long ZeroWeightRows)
{
    /// <summary>Rows that did not reach a cell because a value was missing or invalid.</summary>
    public long Dropped => DroppedMissing + DroppedInvalid;
}
