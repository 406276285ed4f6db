namespace Keel.Compression;

/// <summary>
/// One cell's row count and exact Σw·y, Σw·y², kept together so a row touches one place in memory
/// (72 bytes). Σw lives apart (<see cref="CellAccumulator"/>): an unweighted pass needs none, its Σw
/// being the row count.
/// </summary>
internal struct CellStats
{
    /// <summary>Rows in the cell.</summary>
    public long Rows;

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
/// Cost: one hash probe per row; 72 bytes of statistics (+32 for Σw when weighted) plus 4·width bytes of key per cell.
/// </summary>
internal sealed class CellAccumulator
{
    private readonly CellHashTable _table;
    private CellStats[] _stats = new CellStats[1024];
    private ExactSum[]? _sumW;

    public CellAccumulator(int width, bool weighted)
    {
        _table = new CellHashTable(width);
        _sumW = weighted ? new ExactSum[_stats.Length] : null;
    }

    /// <summary>Number of cells.</summary>
    public int Count => _table.Count;

    /// <summary>Keys of all cells, cell-major.</summary>
    public ReadOnlySpan<int> Keys => _table.Keys;

    /// <summary>The arrays behind <see cref="Keys"/> and <see cref="Stats"/>, valid for the first Count cells (for the canonical merge).</summary>
    public CellPart Part(ValueInterner[] interners) => new(interners, _table.KeyArena, _stats, _sumW, _table.Count);

    /// <summary>The statistics of every cell, indexed like <see cref="Keys"/>.</summary>
    public Span<CellStats> Stats => _stats.AsSpan(0, _table.Count);

    /// <summary>The statistics of the cell of <paramref name="key"/> (<paramref name="cell"/> its index), a new empty cell when the key is new.</summary>
    public ref CellStats Find(ReadOnlySpan<int> key, out int cell)
    {
        cell = _table.FindOrAdd(key, out bool added);
        if (added && cell == _stats.Length)
        {
            Array.Resize(ref _stats, _stats.Length * 2);
            if (_sumW is not null)
            {
                Array.Resize(ref _sumW, _stats.Length);
            }
        }

        return ref _stats[cell];
    }

    /// <summary>Σw of cell <paramref name="cell"/> (a weighted accumulator only).</summary>
    public ref ExactSum SumW(int cell) => ref _sumW![cell];
}

/// <summary>The cells of one pass as the canonicaliser reads them: value ids local to <paramref name="Interners"/>.</summary>
/// <remarks><paramref name="SumW"/> is null for an unweighted pass (Σw = rows).</remarks>
internal sealed record CellPart(ValueInterner[] Interners, int[] Keys, CellStats[] Stats, ExactSum[]? SumW, int Count);
