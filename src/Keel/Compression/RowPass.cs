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
internal sealed class RowPass
{
    private readonly RowPassPlan _plan;
    private readonly ValueInterner[] _interners;
    private readonly CellHashTable _cells;
    private readonly int[] _key;
    private readonly List<long> _rowCount = [];
    private readonly List<ExactSum> _sumW = [];
    private readonly List<ExactSum> _sumWy = [];
    private readonly List<ExactSum> _sumWy2 = [];
    private long _rowsRead;
    private long _rowsUsed;
    private long _droppedMissing;
    private long _droppedInvalid;
    private long _zeroWeight;

    public RowPass(RowPassPlan plan)
    {
        _plan = plan;
        _interners = new ValueInterner[plan.KeyColumns.Count];
        for (int j = 0; j < _interners.Length; j++)
        {
            _interners[j] = new ValueInterner();
        }

        _cells = new CellHashTable(plan.KeyColumns.Count);
        _key = new int[plan.KeyColumns.Count];
    }

    /// <summary>Rows read so far (for progress).</summary>
    public long RowsRead => _rowsRead;

    /// <summary>Cells so far (for progress).</summary>
    public int CellCount => _cells.Count;

    /// <summary>Reads every row of <paramref name="source"/> into the cells.</summary>
    public void Add(ITabularSource source, Action<RowPass, ITabularSource>? onProgress = null, CancellationToken cancel = default)
    {
        int[] keyOrdinals = new int[_key.Length];
        for (int j = 0; j < keyOrdinals.Length; j++)
        {
            keyOrdinals[j] = Ordinal(source, _plan.KeyColumns[j]);
        }

        int targetOrdinal = Ordinal(source, _plan.TargetColumn);
        int weightOrdinal = _plan.WeightColumn is null ? -1 : Ordinal(source, _plan.WeightColumn);
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
                throw new KeelInputException($"{source.Name}, line {source.Line}: expected {width} fields as in the header, found {source.FieldCount}");
            }

            AddRow(source, keyOrdinals, targetOrdinal, weightOrdinal);
        }

        onProgress?.Invoke(this, source);
    }

    /// <summary>
    /// Adds another pass's cells (rows read on another thread or from another file) to this one.
    /// Exact: counts add as integers and the sums merge as ExactSum, so the finished table has the
    /// same bits as one pass over all the rows, in any order. <paramref name="other"/> is spent.
    /// </summary>
    public void Absorb(RowPass other)
    {
        var idMaps = new int[_interners.Length][];
        for (int j = 0; j < _interners.Length; j++)
        {
            ValueInterner from = other._interners[j];
            idMaps[j] = new int[from.Values.Count];
            for (int id = 0; id < idMaps[j].Length; id++)
            {
                idMaps[j][id] = _interners[j].Intern(from.Values[id], from.FirstLine[id]);
            }
        }

        ReadOnlySpan<int> keys = other._cells.Keys;
        int width = _key.Length;
        var otherW = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(other._sumW);
        var otherWy = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(other._sumWy);
        var otherWy2 = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(other._sumWy2);
        for (int c = 0; c < other._cells.Count; c++)
        {
            for (int j = 0; j < width; j++)
            {
                _key[j] = idMaps[j][keys[(c * width) + j]];
            }

            int cell = _cells.FindOrAdd(_key, out bool added);
            if (added)
            {
                _rowCount.Add(0);
                _sumW.Add(default);
                _sumWy.Add(default);
                _sumWy2.Add(default);
            }

            // Merged into (never copied from) the other pass's accumulators, so no limbs are shared.
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_rowCount)[cell] += other._rowCount[c];
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sumW)[cell].Add(in otherW[c]);
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sumWy)[cell].Add(in otherWy[c]);
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sumWy2)[cell].Add(in otherWy2[c]);
        }

        _rowsRead += other._rowsRead;
        _rowsUsed += other._rowsUsed;
        _droppedMissing += other._droppedMissing;
        _droppedInvalid += other._droppedInvalid;
        _zeroWeight += other._zeroWeight;
    }

    /// <summary>Renumbers values and cells in canonical order and returns the finished table.</summary>
    public CellTable Finish()
    {
        var counts = new RowPassCounts(_rowsRead, _rowsUsed, _droppedMissing, _droppedInvalid, _zeroWeight);
        return CellCanonicalizer.Canonicalize(_plan.KeyColumns, _interners, _cells.Keys, _rowCount, _sumW, _sumWy, _sumWy2, counts);
    }

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

        int cell = _cells.FindOrAdd(_key, out bool added);
        if (added)
        {
            _rowCount.Add(0);
            _sumW.Add(default);
            _sumWy.Add(default);
            _sumWy2.Add(default);
        }

        _rowsUsed++;
        var counts = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_rowCount);
        counts[cell]++;
        var sumW = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sumW);
        var sumWy = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sumWy);
        var sumWy2 = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sumWy2);
        sumW[cell].Add(w);
        if (w == 1.0)
        {
            sumWy[cell].Add(y);
            sumWy2[cell].AddProduct(y, y);
        }
        else
        {
            // w·y = p + e exactly (TwoProduct), so w·y² = p·y + e·y is added without rounding.
            double p = w * y;
            double e = Math.FusedMultiplyAdd(w, y, -p);
            sumWy[cell].AddProduct(w, y);
            sumWy2[cell].AddProduct(p, y);
            sumWy2[cell].AddProduct(e, y);
        }
    }

    private bool TryParseTarget(ITabularSource source, ReadOnlySpan<char> text, out double y)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out y) || !double.IsFinite(y))
        {
            if (_plan.DropInvalid)
            {
                return false;
            }

            throw new KeelInputException($"{source.Name}, line {source.Line}, column '{MessageText.Quote(_plan.TargetColumn)}': '{Clip(text)}' is not a finite number (the target must be numeric; use --na drop to skip such rows)");
        }

        if (_plan.LogTarget)
        {
            if (!(y > 0))
            {
                if (_plan.DropInvalid)
                {
                    return false;
                }

                throw new KeelInputException($"{source.Name}, line {source.Line}, column '{MessageText.Quote(_plan.TargetColumn)}': log({Clip(text)}) is undefined; log() needs positive values (use --na drop to skip such rows)");
            }

            y = ElementaryFunctions.Log(y);
        }

        return true;
    }

    private double ParseWeight(ITabularSource source, ReadOnlySpan<char> text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || !double.IsFinite(w) || w < 0)
        {
            throw new KeelInputException($"{source.Name}, line {source.Line}, column '{MessageText.Quote(_plan.WeightColumn)}': weight '{Clip(text)}' is not a finite non-negative number");
        }

        return w;
    }

    private static int Ordinal(ITabularSource source, string column)
    {
        for (int i = 0; i < source.ColumnNames.Count; i++)
        {
            if (string.Equals(source.ColumnNames[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        string near = source.ColumnNames.FirstOrDefault(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase)) is { } other
            ? $"; did you mean '{MessageText.Quote(other)}'?"
            : $"; its columns are {string.Join(", ", source.ColumnNames.Take(12).Select(c => MessageText.Quote(c)))}{(source.ColumnNames.Count > 12 ? ", ..." : string.Empty)}";
        // One header column holding a tab or semicolon: the file is most likely not comma-separated.
        string delimiter = source.ColumnNames.Count == 1 && source.ColumnNames[0].IndexOfAny(['\t', ';']) >= 0
            ? $" (the header is one column: is the file separated by {(source.ColumnNames[0].Contains('\t', StringComparison.Ordinal) ? "tabs" : "semicolons")}? Keel reads comma-separated files)"
            : string.Empty;
        throw new KeelInputException($"{source.Name}: no column named '{MessageText.Quote(column)}'{near}{delimiter}");
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
