namespace Keel.Compression;

/// <summary>One cell's exact statistics, kept together so a row touches one place in memory.</summary>
internal struct CellStats
{
    /// <summary>Rows in the cell.</summary>
    public long Rows;

    /// <summary>Exact Σw (left empty by an unweighted pass: there Σw is the row count, filled in at the end).</summary>
    public ExactSum W;

    /// <summary>Exact Σw·y.</summary>
    public ExactSum Wy;

    /// <summary>Exact Σw·y².</summary>
    public ExactSum Wy2;
}

/// <summary>
/// The cells of one pass: a hash table from a key of value ids to a dense cell index, and the
/// statistics of each cell in one array of <see cref="CellStats"/> (array of structs: a row's
/// count and three sums share cache lines, where four parallel lists cost four misses).
/// Invariant: cell i's key is Keys[i*width .. (i+1)*width) and its statistics are Stats[i]; the
/// sums are exact, so the order rows arrive in never changes a bit of the finished table.
/// Cost: one hash probe per row; 104 bytes of statistics plus 4·width bytes of key per cell.
/// </summary>
internal sealed class CellAccumulator
{
    private readonly CellHashTable _table;
    private CellStats[] _stats = new CellStats[1024];

    public CellAccumulator(int width)
    {
        _table = new CellHashTable(width);
    }

    /// <summary>Number of cells.</summary>
    public int Count => _table.Count;

    /// <summary>Keys of all cells, cell-major.</summary>
    public ReadOnlySpan<int> Keys => _table.Keys;

    /// <summary>The arrays behind <see cref="Keys"/> and <see cref="Stats"/>, valid for the first Count cells (for the canonical merge).</summary>
    public CellPart Part(ValueInterner[] interners) => new(interners, _table.KeyArena, _stats, _table.Count);

    /// <summary>The statistics of every cell, indexed like <see cref="Keys"/>.</summary>
    public Span<CellStats> Stats => _stats.AsSpan(0, _table.Count);

    /// <summary>The statistics of the cell of <paramref name="key"/>, a new empty cell when the key is new.</summary>
    public ref CellStats Find(ReadOnlySpan<int> key)
    {
        int cell = _table.FindOrAdd(key, out bool added);
        if (added && cell == _stats.Length)
        {
            Array.Resize(ref _stats, _stats.Length * 2);
        }

        return ref _stats[cell];
    }
}

/// <summary>The cells of one pass as the canonicaliser reads them: value ids local to <paramref name="Interners"/>.</summary>
internal sealed record CellPart(ValueInterner[] Interners, int[] Keys, CellStats[] Stats, int Count);
