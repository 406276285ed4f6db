using System.Runtime.InteropServices;

namespace Keel.Compression;

/// <summary>
/// One cell's row count and, while the cell has seen a single row of an unweighted pass, that row's
/// y itself (16 bytes). From the second row on (and from the first row of a weighted pass) the cell
/// is promoted: <see cref="Full"/> indexes its exact Σw·y, Σw·y² in a side array of
/// <see cref="CellSums"/>, allocated only for promoted cells.
/// Invariant: a compact cell (Rows = 1, not promoted) stands for Σy = y and Σy² = y·y exactly;
/// ExactSum.AddProduct adds the 106-bit product y·y without rounding, so recovering the sums from y
/// at the merge gives the very value two accumulators would have held.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
internal struct CellStats
{
    /// <summary>Rows in the cell (0 for a cell just added).</summary>
    [FieldOffset(0)]
    public long Rows;

    /// <summary>The cell's one y while it is compact.</summary>
    [FieldOffset(8)]
    public double Y;

    /// <summary>Index of the cell's sums in the side array once promoted.</summary>
    [FieldOffset(8)]
    public long Full;
}

/// <summary>A promoted cell's exact Σw·y and Σw·y² (64 bytes).</summary>
internal struct CellSums
{
    /// <summary>Exact Σw·y.</summary>
    public ExactSum Wy;

    /// <summary>Exact Σw·y².</summary>
    public ExactSum Wy2;
}

/// <summary>
/// The cells of one pass: a hash table from a key of value ids to a dense cell index, the
/// <see cref="CellStats"/> of each cell in one array, and the exact sums of promoted cells in a side
/// array. Most cells of wide sparse designs see one or two rows, so a cell costs 16 bytes until its
/// second row, where one exact pair costs 64.
/// Invariant: cell i's key is Keys[i*width .. (i+1)*width) and its statistics are Stats[i]
/// (its sums Sums[Stats[i].Full] when promoted); the sums are exact, so the order rows arrive in
/// never changes a bit of the finished table. In a weighted pass every cell is promoted at once.
/// Cost: one hash probe per row; 16 bytes per cell, +64 per promoted cell (+32 for Σw when
/// weighted), plus 4·width bytes of key per cell.
/// </summary>
internal sealed class CellAccumulator
{
    private readonly CellHashTable _table;
    private readonly bool _compact;
    private CellStats[] _stats;
    private CellSums[] _sums;
    private int _promoted;
    private ExactSum[]? _sumW;
    private ExactSum[]? _sumWExpOffset;
    private ExactSum[]? _sumWYLogY;

    /// <param name="width">Key columns.</param>
    /// <param name="weighted">Every cell holds Σw (a weight column or an offset).</param>
    /// <param name="initialCells">Initial capacity.</param>
    /// <param name="offset">Every cell also holds Σw·e^offset (needs <paramref name="weighted"/>).</param>
    /// <param name="yLogY">Every cell also holds Σw·y·log y (needs <paramref name="weighted"/>).</param>
    public CellAccumulator(int width, bool weighted, int initialCells = 1024, bool offset = false, bool yLogY = false)
    {
        initialCells = Math.Max(16, initialCells);
        _table = new CellHashTable(width, initialCells);
        _stats = new CellStats[initialCells];
        _sums = new CellSums[weighted ? initialCells : Math.Max(16, initialCells / 4)];
        _compact = !weighted;
        _sumW = weighted ? new ExactSum[_stats.Length] : null;
        _sumWExpOffset = offset ? new ExactSum[_stats.Length] : null;
        _sumWYLogY = yLogY ? new ExactSum[_stats.Length] : null;
    }

    /// <summary>Number of cells.</summary>
    public int Count => _table.Count;

    /// <summary>Number of promoted cells (with a pair of exact sums).</summary>
    public int Promoted => _promoted;

    /// <summary>Keys of all cells, cell-major.</summary>
    public ReadOnlySpan<int> Keys => _table.Keys;

    /// <summary>The arrays behind <see cref="Keys"/> and the statistics, valid for the first Count cells (for the canonical merge).</summary>
    public CellPart Part(ValueInterner[] interners) => new(interners, _table.KeyArena, _stats, _sums, _compact, _sumW, _table.Count) { SumWExpOffset = _sumWExpOffset, SumWYLogY = _sumWYLogY };

    /// <summary>The statistics of the cell of <paramref name="key"/> (<paramref name="cell"/> its index), a new cell with Rows = 0 when the key is new.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
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

            if (_sumWExpOffset is not null)
            {
                Array.Resize(ref _sumWExpOffset, _stats.Length);
            }

            if (_sumWYLogY is not null)
            {
                Array.Resize(ref _sumWYLogY, _stats.Length);
            }
        }

        return ref _stats[cell];
    }

    /// <summary>
    /// Adds a row of weight 1 to <paramref name="stats"/> (a cell returned by <see cref="Find"/> of an
    /// unweighted pass): the first row is kept as y, the second promotes the cell to exact sums.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void AddUnweighted(ref CellStats stats, double y)
    {
        if (stats.Rows == 0)
        {
            stats.Rows = 1;
            stats.Y = y;
            return;
        }

        if (stats.Rows == 1)
        {
            double first = stats.Y;
            long full = Promote();
            stats.Full = full;
            ref CellSums promoted = ref _sums[full];
            promoted.Wy.Add(first);
            promoted.Wy2.AddProduct(first, first);
        }

        stats.Rows++;
        ref CellSums sums = ref _sums[stats.Full];
        sums.Wy.Add(y);
        sums.Wy2.AddProduct(y, y);
    }

    /// <summary>The exact sums of <paramref name="stats"/> (a cell of a weighted pass), promoting it on its first row; counts the row.</summary>
    public ref CellSums AddWeightedRow(ref CellStats stats)
    {
        if (stats.Rows == 0)
        {
            stats.Full = Promote();
        }

        stats.Rows++;
        return ref _sums[stats.Full];
    }

    /// <summary>
    /// The exact sums of <paramref name="stats"/> (a cell of a weighted accumulator) for a row of a
    /// cells file that stands for <paramref name="rows"/> rows, promoting the cell on its first; the
    /// caller adds the file's sums to them (CellsFileMerger: the one accumulation path of cells).
    /// </summary>
    public ref CellSums AddCellRows(ref CellStats stats, long rows)
    {
        if (stats.Rows == 0)
        {
            stats.Full = Promote();
        }

        stats.Rows += rows;
        return ref _sums[stats.Full];
    }

    /// <summary>Σw of cell <paramref name="cell"/> (a weighted accumulator only).</summary>
    public ref ExactSum SumW(int cell) => ref _sumW![cell];

    /// <summary>Σw·e^offset of cell <paramref name="cell"/> (an accumulator with an offset only).</summary>
    public ref ExactSum SumWExpOffset(int cell) => ref _sumWExpOffset![cell];

    /// <summary>Σw·y·log y of cell <paramref name="cell"/> (an accumulator that keeps it only).</summary>
    public ref ExactSum SumWYLogY(int cell) => ref _sumWYLogY![cell];

    private long Promote()
    {
        if (_promoted == _sums.Length)
        {
            Array.Resize(ref _sums, _sums.Length * 2);
        }

        return _promoted++;
    }
}

/// <summary>The cells of one pass as the canonicaliser reads them: value ids local to <paramref name="Interners"/>.</summary>
/// <remarks>
/// <paramref name="SumW"/> is null for an unweighted pass (Σw = rows). With <paramref name="Compact"/>,
/// a cell with one row holds its y (<see cref="CellStats.Y"/>) instead of sums; otherwise a cell's
/// sums are <paramref name="Sums"/>[Stats[c].Full]. A part of buffered rows (<see cref="OfRows"/>)
/// has no statistics: entry c is one row of weight 1 with y = RowY[c], and keys may repeat.
/// </remarks>
internal sealed record CellPart(ValueInterner[] Interners, int[] Keys, CellStats[] Stats, CellSums[] Sums, bool Compact, ExactSum[]? SumW, int Count)
{
    /// <summary>Σw·e^offset per entry when the formula has an offset (parallel to <see cref="SumW"/>), else null.</summary>
    public ExactSum[]? SumWExpOffset { get; init; }

    /// <summary>Σw·y·log y per entry when the pass keeps it (parallel to <see cref="SumW"/>), else null.</summary>
    public ExactSum[]? SumWYLogY { get; init; }

    /// <summary>The y of each buffered row (a part of rows), else null.</summary>
    public double[]? RowY { get; private init; }

    /// <summary>A part of <paramref name="count"/> unweighted rows, unaggregated: keys row-major, one y each.</summary>
    public static CellPart OfRows(ValueInterner[] interners, int[] keys, double[] y, int count) =>
        new(interners, keys, [], [], Compact: true, SumW: null, count) { RowY = y };

    /// <summary>True if entry <paramref name="cell"/> holds one y rather than sums.</summary>
    public bool IsCompact(int cell) => RowY is not null || (Compact && Stats[cell].Rows == 1);

    /// <summary>Rows in entry <paramref name="cell"/>.</summary>
    public long Rows(int cell) => RowY is not null ? 1 : Stats[cell].Rows;

    /// <summary>The one y of a compact entry.</summary>
    public double Y(int cell) => RowY is not null ? RowY[cell] : Stats[cell].Y;
}
