namespace Keel.Compression;

/// <summary>
/// Rows kept as they arrive (key ids and y, 4·width + 8 bytes a row) for a pass whose rows are
/// nearly all distinct cells. There a hash table costs several cache misses a row (slot, key,
/// statistics, sums: ~100 bytes of scattered memory per cell once it outgrows the caches), while
/// appending is two sequential writes; the rows are aggregated at the end by one partitioned radix
/// sort (<see cref="CellCanonicalizer"/>), the sort-based aggregation of database engines
/// (Graefe, "Query evaluation techniques for large databases", ACM Computing Surveys 25(2), 1993, §4).
/// Invariant: rows are stored in blocks of <see cref="BlockRows"/>; entry r of a block is one row of
/// weight 1. The blocks become parts of unaggregated rows, so the finished table is exactly the one
/// a hash pass gives (the merge of equal keys is exact addition either way).
/// Cost: no growth copies (blocks are never resized); memory grows with rows, so
/// <see cref="RowPass"/> bounds it and folds the rows into its hash table when the bound is reached.
/// </summary>
internal sealed class RowBuffer
{
    /// <summary>Rows per block: 64K rows, 0.5 MB of y and 256 KB of key per key column.</summary>
    public const int BlockRows = 1 << 16;

    private readonly int _width;
    private readonly List<(int[] Keys, double[] Y)> _full = [];
    private int[] _keys;
    private double[] _y;
    private int _fill;

    public RowBuffer(int width)
    {
        _width = width;
        _keys = new int[BlockRows * width];
        _y = new double[BlockRows];
    }

    /// <summary>Rows held.</summary>
    public long Count => ((long)_full.Count * BlockRows) + _fill;

    /// <summary>Appends one row of weight 1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(ReadOnlySpan<int> key, double y)
    {
        key.CopyTo(_keys.AsSpan(_fill * _width, _width));
        _y[_fill] = y;
        if (++_fill == BlockRows)
        {
            _full.Add((_keys, _y));
            _keys = new int[BlockRows * _width];
            _y = new double[BlockRows];
            _fill = 0;
        }
    }

    /// <summary>The rows as parts of unaggregated rows, in arrival order.</summary>
    public IEnumerable<CellPart> Parts(ValueInterner[] interners)
    {
        foreach ((int[] keys, double[] y) in _full)
        {
            yield return CellPart.OfRows(interners, keys, y, BlockRows);
        }

        if (_fill > 0)
        {
            yield return CellPart.OfRows(interners, _keys, _y, _fill);
        }
    }
}
