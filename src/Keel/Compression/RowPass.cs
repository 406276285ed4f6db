using System.Globalization;
using Keel.Data;
using Keel.LinearAlgebra;

namespace Keel.Compression;

/// <summary>
/// The single pass over rows: each row's regressor values become a key of interned codes, the row
/// lands in the cell of that key, and the cell's exact sums absorb w, w·y and w·y².
/// Invariant: the cell sums are exact (<see cref="ExactSum"/>), so the table produced by
/// <see cref="Finish"/> has the same bits whatever the row order, the file split or the thread split.
/// Cost: one hash look-up per field and per row; memory grows with distinct values and cells, not rows.
/// </summary>
internal sealed partial class RowPass
{
    private readonly RowPassPlan _plan;
    private readonly ValueInterner[] _interners;
    private readonly CellAccumulator _cells;
    private readonly int[] _key;
    private readonly bool _weighted;
    private readonly List<RowPass> _absorbed = [];
    private readonly long _bufferLimit;
    private RowBuffer? _rows;
    private bool _hashOnly;
    private long _rowsRead;
    private long _rowsUsed;
    private long _droppedMissing;
    private long _droppedInvalid;
    private long _zeroWeight;
    private int _offsetOrdinal = -1;

    /// <param name="plan">What to read.</param>
    /// <param name="bufferLimit">Most rows this pass buffers unaggregated (<see cref="RowBuffer"/>) before it
    /// folds them into its hash table; 0 never buffers. Parallel passes share the default bound.</param>
    public RowPass(RowPassPlan plan, long bufferLimit = DefaultBufferLimit)
    {
        _bufferLimit = bufferLimit;
        _plan = plan;
        _interners = new ValueInterner[plan.KeyColumns.Count];
        for (int j = 0; j < _interners.Length; j++)
        {
            _interners[j] = new ValueInterner();
        }

        // An offset needs Σw·e^offset per cell, kept beside Σw as in a weighted pass (w = 1 without weights).
        // So does Σw·y·log y (a weighted pass promotes every cell at once, so every cell has its sum).
        _weighted = plan.WeightColumn is not null || plan.OffsetColumn is not null || plan.SumWYLogY;
        _cells = new CellAccumulator(plan.KeyColumns.Count, _weighted, offset: plan.OffsetColumn is not null, yLogY: plan.SumWYLogY);
        _key = new int[plan.KeyColumns.Count];
    }

    /// <summary>Rows read so far (for progress).</summary>
    public long RowsRead => _rowsRead;

    /// <summary>Cells from which the pass considers buffering rows: below this the hash table stays in the caches (tests set it lower).</summary>
    internal int BufferAfterCells { get; init; } = 1 << 17;

    /// <summary>
    /// Rows buffered by all passes of a process at most: 2^25 rows, 800 MB at four key columns.
    /// Measured on 30M independent rows (9.85M cells): at 2^24 the workers folded their buffers into
    /// hash tables half-way and the read took 22 s; at 2^25 it takes 9 s (peak 3.6 → 4.1 GB, the
    /// cells themselves being 1.2 GB).
    /// </summary>
    internal const long DefaultBufferLimit = 1L << 25;

    /// <summary>Cells so far in this pass, not counting absorbed ones (for progress): an upper bound while rows are buffered.</summary>
    public int CellCount => (int)Math.Min(int.MaxValue, _cells.Count + (_rows?.Count ?? 0));

    /// <summary>Reads every row of <paramref name="source"/> into the cells.</summary>
    // Optimised at once: a parallel pass calls this once per range, and tier-0 code for the first
    // ranges (before tiering promotes it) cost about a quarter more CPU (measured on 2M rows).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Add(ITabularSource source, Action<RowPass, ITabularSource>? onProgress = null, CancellationToken cancel = default)
    {
        int[] keyOrdinals = new int[_key.Length];
        for (int j = 0; j < keyOrdinals.Length; j++)
        {
            keyOrdinals[j] = Ordinal(source, _plan.KeyColumns[j]);
        }

        int targetOrdinal = Ordinal(source, _plan.TargetColumn);
        int weightOrdinal = _plan.WeightColumn is null ? -1 : Ordinal(source, _plan.WeightColumn);
        _offsetOrdinal = _plan.OffsetColumn is null ? -1 : Ordinal(source, _plan.OffsetColumn);
        int width = source.ColumnNames.Count;
        while (source.Read())
        {
            _rowsRead++;
            if ((_rowsRead & 0xFFFF) == 0)
            {
                cancel.ThrowIfCancellationRequested();
                onProgress?.Invoke(this, source);
            }

            if (source.FieldCount != width)
            {
                throw KeelInputException.At(source.Name, source.Line, null, $"expected {width} fields as in the header, found {source.FieldCount}");
            }

            AddRow(source, keyOrdinals, targetOrdinal, weightOrdinal);
        }

        onProgress?.Invoke(this, source);
    }

    /// <summary>
    /// Adds another pass's cells (rows read on another thread or from another file) to this one.
    /// The merge is deferred to <see cref="Finish"/>, which sorts the cells of all passes by their
    /// canonical keys and adds equal keys exactly (counts as integers, sums as ExactSum), so the
    /// table has the same bits as one pass over all the rows, in any order. <paramref name="other"/> is spent.
    /// </summary>
    public void Absorb(RowPass other)
    {
        _absorbed.Add(other);
        _absorbed.AddRange(other._absorbed);
        other._absorbed.Clear();
        _rowsRead += other._rowsRead;
        _rowsUsed += other._rowsUsed;
        _droppedMissing += other._droppedMissing;
        _droppedInvalid += other._droppedInvalid;
        _zeroWeight += other._zeroWeight;
    }

    /// <summary>Renumbers values and cells in canonical order (merging absorbed passes) and returns the finished table.</summary>
    /// <param name="threads">Threads for the canonical sort (the table's bits do not depend on it).</param>
    public CellTable Finish(int threads = 1)
    {
        var counts = new RowPassCounts(_rowsRead, _rowsUsed, _droppedMissing, _droppedInvalid, _zeroWeight);
        var parts = new List<CellPart>();
        foreach (RowPass pass in _absorbed.Prepend(this))
        {
            parts.Add(pass._cells.Part(pass._interners));
            if (pass._rows is not null)
            {
                parts.AddRange(pass._rows.Parts(pass._interners));
            }
        }

        return CellCanonicalizer.Canonicalize(_plan.KeyColumns, parts, sumWFromRows: !_weighted, counts, threads);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddRow(ITabularSource source, int[] keyOrdinals, int targetOrdinal, int weightOrdinal)
    {
        for (int j = 0; j < keyOrdinals.Length; j++)
        {
            ReadOnlySpan<char> field = source.GetField(keyOrdinals[j]);
            if (MissingValues.IsMissing(field))
            {
                _droppedMissing++;
                return;
            }

            _key[j] = _interners[j].Intern(field, source.Line);
        }

        ReadOnlySpan<char> targetText = source.GetField(targetOrdinal);
        if (MissingValues.IsMissing(targetText))
        {
            _droppedMissing++;
            return;
        }

        if (!TryParseTarget(source, targetText, out double y))
        {
            _droppedInvalid++;
            return;
        }

        double w = 1.0;
        if (weightOrdinal >= 0)
        {
            ReadOnlySpan<char> weightText = source.GetField(weightOrdinal);
            if (MissingValues.IsMissing(weightText))
            {
                _droppedMissing++;
                return;
            }

            w = ParseWeight(source, weightText);
            if (w == 0)
            {
                // A zero weight is the same as leaving the row out (the weight-invariance property).
                _zeroWeight++;
                return;
            }
        }

        double expOffset = 1.0;
        if (_offsetOrdinal >= 0)
        {
            ReadOnlySpan<char> offsetText = source.GetField(_offsetOrdinal);
            if (MissingValues.IsMissing(offsetText))
            {
                _droppedMissing++;
                return;
            }

            if (!TryParseExpOffset(source, offsetText, out expOffset))
            {
                _droppedInvalid++;
                return;
            }
        }

        Accumulate(y, w, expOffset);
    }

    // Everything after the parse: the row (weight w, e^offset expOffset) lands in its cell, or in the
    // row buffer. _key holds the row's value ids.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(double y, double w, double expOffset)
    {
        _rowsUsed++;
        if (_rows is not null)
        {
            _rows.Add(_key, y);
            if (_rows.Count >= _bufferLimit)
            {
                FoldRows();
            }

            return;
        }

        if ((_rowsUsed & 0x3FFF) == 0 && !_weighted && !_hashOnly)
        {
            ConsiderBuffering();
        }

        ref CellStats cell = ref _cells.Find(_key, out int index);
        if (!_weighted)
        {
            // Unweighted: Σw is the row count, set exactly when the table is finished; a cell's
            // first row is kept as y alone (CellAccumulator), its sums start at the second.
            _cells.AddUnweighted(ref cell, y);
            return;
        }

        ref CellSums sums = ref _cells.AddWeightedRow(ref cell);
        _cells.SumW(index).Add(w);
        if (_offsetOrdinal >= 0)
        {
            // w·e^offset added unrounded (the product is exact in ExactSum).
            _cells.SumWExpOffset(index).AddProduct(w, expOffset);
        }

        double logY = _plan.SumWYLogY && y > 0 ? ElementaryFunctions.Log(y) : 0.0;
        if (w == 1.0)
        {
            sums.Wy.Add(y);
            sums.Wy2.AddProduct(y, y);
            if (logY != 0)
            {
                _cells.SumWYLogY(index).AddProduct(y, logY);
            }
        }
        else
        {
            // w·y = p + e exactly (TwoProduct), so w·y² = p·y + e·y is added without rounding.
            double p = w * y;
            double e = Math.FusedMultiplyAdd(w, y, -p);
            sums.Wy.AddProduct(w, y);
            sums.Wy2.AddProduct(p, y);
            sums.Wy2.AddProduct(e, y);
            if (logY != 0)
            {
                // w·y·log y = p·log y + e·log y, each product exact.
                _cells.SumWYLogY(index).AddProduct(p, logY);
                _cells.SumWYLogY(index).AddProduct(e, logY);
            }
        }
    }

    // Rows nearly all new cells and the table past the caches: a hash probe per row now costs cache
    // misses that appending a row to a buffer does not (RowBuffer). Three rows in four starting a
    // new cell is the mark of such data (p1 of issue #6: 1.13M cells from 2M rows); data with few
    // cells per row count (p2: 18k cells) never leave the hash table.
    private void ConsiderBuffering()
    {
        if (_cells.Count >= BufferAfterCells && (long)_cells.Count * 4 > _rowsUsed * 3 && _bufferLimit > 0)
        {
            _rows = new RowBuffer(_key.Length);
        }
    }

    // The buffer reached its bound: the data repeat cells more than the start suggested, or are
    // larger than the bound. Its rows go into the hash table (memory then grows with cells only),
    // and this pass stays with the table.
    private void FoldRows()
    {
        RowBuffer rows = _rows!;
        _rows = null;
        _hashOnly = true;
        int width = _key.Length;
        foreach (CellPart part in rows.Parts(_interners))
        {
            for (int r = 0; r < part.Count; r++)
            {
                ref CellStats cell = ref _cells.Find(part.Keys.AsSpan(r * width, width), out _);
                _cells.AddUnweighted(ref cell, part.RowY![r]);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool TryParseTarget(ITabularSource source, ReadOnlySpan<char> text, out double y)
    {
        TargetCheck check = DecimalParser.TryParse(text, out y) && double.IsFinite(y) ? CheckTarget(ref y) : TargetCheck.NotANumber;
        if (check == TargetCheck.Valid)
        {
            return true;
        }

        if (_plan.DropInvalid)
        {
            return false;
        }

        throw KeelInputException.At(source.Name, source.Line, _plan.TargetColumn, check switch
        {
            TargetCheck.NotANumber => $"'{Clip(text)}' is not a finite number (the target must be numeric; use --na drop to skip such rows)",
            TargetCheck.LogUndefined => $"log({Clip(text)}) is undefined; log() needs positive values (use --na drop to skip such rows)",
            TargetCheck.Negative => $"{Clip(text)} is negative; --family poisson needs non-negative targets (counts or amounts; use --na drop to skip such rows)",
            _ => $"{Clip(text)} is outside [0, 1]; --family binomial needs 0/1 targets or proportions with --weights as trials (use --na drop to skip such rows)",
        });
    }

    // A parsed, finite target: log-transformed when the formula says so, then checked against the family's domain.
    private TargetCheck CheckTarget(ref double y)
    {
        if (_plan.LogTarget)
        {
            if (!(y > 0))
            {
                return TargetCheck.LogUndefined;
            }

            y = ElementaryFunctions.Log(y);
        }

        if (_plan.TargetDomain != TargetDomain.Any && (y < 0 || (_plan.TargetDomain == TargetDomain.UnitInterval && y > 1)))
        {
            return _plan.TargetDomain == TargetDomain.NonNegative ? TargetCheck.Negative : TargetCheck.OutsideUnitInterval;
        }

        return TargetCheck.Valid;
    }

    private enum TargetCheck
    {
        Valid,
        NotANumber,
        LogUndefined,
        Negative,
        OutsideUnitInterval,
    }

    // e^offset of a row: the exposure itself for offset(log(e)) (positive, finite), else Exp of the value.
    private bool TryParseExpOffset(ITabularSource source, ReadOnlySpan<char> text, out double expOffset)
    {
        string column = _plan.OffsetColumn!;
        if (!DecimalParser.TryParse(text, out double value) || !double.IsFinite(value))
        {
            expOffset = 0;
            return _plan.DropInvalid
                ? false
                : throw KeelInputException.At(source.Name, source.Line, column, $"'{Clip(text)}' is not a finite number (the offset must be numeric; use --na drop to skip such rows)");
        }

        if (ExpOffsetOf(value, out expOffset))
        {
            return true;
        }

        return _plan.DropInvalid
            ? false
            : throw KeelInputException.At(source.Name, source.Line, column, _plan.OffsetLog
                ? $"log({Clip(text)}) is undefined; offset(log(e)) needs a positive exposure (use --na drop to skip such rows)"
                : $"exp({Clip(text)}) is {(expOffset > 0 ? "beyond" : "below")} the double range; the offset must lie within about ±700 (use --na drop to skip such rows)");
    }

    // e^offset of a parsed offset value; false where it is not positive and finite.
    private bool ExpOffsetOf(double value, out double expOffset)
    {
        expOffset = _plan.OffsetLog ? value : ElementaryFunctions.Exp(value);
        return expOffset > 0 && double.IsFinite(expOffset);
    }

    private double ParseWeight(ITabularSource source, ReadOnlySpan<char> text)
    {
        if (!DecimalParser.TryParse(text, out double w) || !double.IsFinite(w) || w < 0)
        {
            throw KeelInputException.At(source.Name, source.Line, _plan.WeightColumn, $"weight '{Clip(text)}' is not a finite non-negative number");
        }

        return w;
    }

    private static int Ordinal(ITabularSource source, string column) => Ordinal(source.Name, source.ColumnNames, column);

    private static int Ordinal(string name, IReadOnlyList<string> columns, string column)
    {
        for (int i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        string near = columns.FirstOrDefault(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase)) is { } other
            ? $"; did you mean '{MessageText.Quote(other)}'?"
            : $"; its columns are {string.Join(", ", columns.Take(12).Select(c => MessageText.Quote(c)))}{(columns.Count > 12 ? ", ..." : string.Empty)}";
        // One header column holding a tab or semicolon: the file is most likely not comma-separated.
        string delimiter = columns.Count == 1 && columns[0].IndexOfAny(['\t', ';']) >= 0
            ? $" (the header is one column: is the file separated by {(columns[0].Contains('\t', StringComparison.Ordinal) ? "tabs" : "semicolons")}? Keel reads comma-separated files)"
            : string.Empty;
        throw new KeelInputException($"{name}: no column named '{MessageText.Quote(column)}'{near}{delimiter}");
    }

    private static string Clip(ReadOnlySpan<char> text) => MessageText.Quote(text);
}

/// <summary>The spellings of a missing value: empty, NA, NaN, NULL (as R, pandas and SQL exports write them).</summary>
internal static class MissingValues
{
    public static bool IsMissing(ReadOnlySpan<char> field)
    {
        // Fast path: every missing spelling is blank or starts with N/n after trimming; printable ASCII is never blank.
        if (field.Length > 0 && (uint)(field[0] - '!') < '~' - '!' + 1 && (field[0] | 0x20) != 'n')
        {
            return false;
        }

        ReadOnlySpan<char> t = field.Trim();
        return t.Length == 0
            || t.SequenceEqual("NA") || t.SequenceEqual("NaN") || t.SequenceEqual("nan")
            || t.SequenceEqual("NULL") || t.SequenceEqual("null");
    }
}
