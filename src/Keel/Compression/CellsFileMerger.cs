// CellsFileMerger: cells files (and SQL results in the same columns) back into one CellTable.
//
// Objective: for every key seen in any input, n = Σ keel_n and the exact sums of the inputs' Σw, Σw·y
//   and Σw·y² (ExactSum), then the canonical order of CellCanonicalizer, so the table is the one
//   Keel's own row pass makes whenever the inputs carry exact sums.
// Exactness: a plain cells file stores each sum rounded once to a double; adding two rounded halves
//   can differ in the last bit from rounding the whole. Files written by `keel compress` also carry
//   keel_sum_*_exact columns (the exact sum as significand·2^exponent, see ExactSumText); when they
//   are present they are used, and merging halves gives the same bits as one pass.
// Cost: one hash look-up per key field and per cells row; memory grows with the number of cells.
using System.Globalization;
using Keel.Data;

namespace Keel.Compression;

/// <summary>Merges rows of cell statistics by exact addition of equal keys.</summary>
internal sealed class CellsFileMerger
{
    private readonly IReadOnlyList<string> _keyColumns;
    private readonly ValueInterner[] _interners;
    // The row pass's own accumulator, weighted, with both optional statistics: the cells of files
    // accumulate exactly as the cells of rows do, then take the same canonical merge.
    private readonly CellAccumulator _cells;
    private readonly int[] _key;

    // The optional statistics (CellsFileColumns.Optional: Σw·e^offset, Σw·y·log y): kept while every input so far has them.
    private readonly bool[] _optionalInAll = [true, true];
    private bool _anyInput;
    private long _rowsUsed;
    private long _droppedMissing;

    public CellsFileMerger(IReadOnlyList<string> keyColumns)
    {
        _keyColumns = keyColumns;
        _interners = new ValueInterner[keyColumns.Count];
        for (int j = 0; j < _interners.Length; j++)
        {
            _interners[j] = new ValueInterner();
        }

        _cells = new CellAccumulator(keyColumns.Count, weighted: true, offset: true, yLogY: true);
        _key = new int[keyColumns.Count];
    }

    /// <summary>The cells so far.</summary>
    public int CellCount => _cells.Count;

    /// <summary>Reads every row of <paramref name="source"/> (the key columns by name, then the statistics).</summary>
    public void Add(ITabularSource source, CancellationToken cancel = default)
    {
        int[] keyOrdinals = _keyColumns.Select(k => Ordinal(source, k, required: true)).ToArray();
        int[] statistic = SqlCellsQuery.StatisticColumns.Select(c => Ordinal(source, c, required: true)).ToArray();
        int[] exact = CellsFileColumns.ExactColumns.Select(c => Ordinal(source, c, required: false)).ToArray();
        int[] optional = CellsFileColumns.Optional.Select(c => Ordinal(source, c, required: false)).ToArray();
        int[] optionalExact = CellsFileColumns.Optional.Select(c => Ordinal(source, c + "_exact", required: false)).ToArray();
        for (int s = 0; s < optional.Length; s++)
        {
            // A statistic missing from one input is unknown for the union: dropped, not taken as 0.
            _optionalInAll[s] &= optional[s] >= 0;
        }

        _anyInput = true;
        long row = 0;
        while (source.Read())
        {
            if ((++row & 0xFFFF) == 0)
            {
                cancel.ThrowIfCancellationRequested();
            }

            long n = ReadCount(source, statistic[0]);
            if (n == 0)
            {
                continue; // An aggregate over no rows (a SQL engine returns one for an empty table).
            }

            bool missing = false;
            for (int j = 0; j < keyOrdinals.Length && !missing; j++)
            {
                ReadOnlySpan<char> field = source.GetField(keyOrdinals[j]);
                missing = MissingValues.IsMissing(field);
                if (!missing)
                {
                    _key[j] = _interners[j].Intern(field, source.Line);
                }
            }

            if (missing)
            {
                // A missing value is never a key: the cell's rows are left out, as Keel's own pass does.
                _droppedMissing += n;
                continue;
            }

            ExactSum w = ReadSum(source, statistic[1], exact[0]);
            ExactSum wy = ReadSum(source, statistic[2], exact[1]);
            ExactSum wy2 = ReadSum(source, statistic[3], exact[2]);
            if (!(w.ToDouble() > 0))
            {
                throw KeelInputException.At(source.Name, source.Line, "keel_sum_w", $"the sum of weights must be positive, found {w.ToDouble().ToString("R", CultureInfo.InvariantCulture)}");
            }

            ref CellStats stats = ref _cells.Find(_key, out int cell);
            ref CellSums sums = ref _cells.AddCellRows(ref stats, n);
            sums.Wy.Add(in wy);
            sums.Wy2.Add(in wy2);
            _cells.SumW(cell).Add(in w);
            if (_optionalInAll[0])
            {
                ExactSum value = ReadSum(source, optional[0], optionalExact[0]);
                _cells.SumWExpOffset(cell).Add(in value);
            }

            if (_optionalInAll[1])
            {
                ExactSum value = ReadSum(source, optional[1], optionalExact[1]);
                _cells.SumWYLogY(cell).Add(in value);
            }

            _rowsUsed += n;
        }
    }

    /// <summary>The merged cells in canonical order.</summary>
    /// <param name="pushedDown">The row counts of a pass run inside a database (rows the query left out
    /// are missing values, invalid targets or zero weights); null for cells files.</param>
    public CellTable Finish(PushDownCounts? pushedDown = null)
    {
        var counts = pushedDown is null
            ? new RowPassCounts(_rowsUsed + _droppedMissing, _rowsUsed, _droppedMissing, 0, 0)
            : new RowPassCounts(
                pushedDown.RowsRead,
                _rowsUsed,
                pushedDown.RowsRead - _rowsUsed - pushedDown.ZeroWeightRows - pushedDown.InvalidRows,
                pushedDown.InvalidRows,
                pushedDown.ZeroWeightRows);
        CellPart all = _cells.Part(_interners);
        CellPart part = all with
        {
            SumWExpOffset = _optionalInAll[0] && _anyInput ? all.SumWExpOffset : null,
            SumWYLogY = _optionalInAll[1] && _anyInput ? all.SumWYLogY : null,
        };
        return CellCanonicalizer.Canonicalize(_keyColumns, [part], sumWFromRows: false, counts);
    }

    private static long ReadCount(ITabularSource source, int ordinal)
    {
        ReadOnlySpan<char> text = source.GetField(ordinal);
        if (MissingValues.IsMissing(text))
        {
            return 0;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < 0)
        {
            // Some writers store counts as doubles ("12.0"); accept an exact whole number.
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || d < 0 || d != Math.Floor(d) || d > (1L << 53))
            {
                throw KeelInputException.At(source.Name, source.Line, "keel_n", $"'{Clip(text)}' is not a row count (a whole number >= 0)");
            }

            n = (long)d;
        }

        return n;
    }

    private static ExactSum ReadSum(ITabularSource source, int ordinal, int exactOrdinal)
    {
        string column = source.ColumnNames[ordinal];
        ReadOnlySpan<char> text = source.GetField(ordinal);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double rounded) || !double.IsFinite(rounded))
        {
            throw KeelInputException.At(source.Name, source.Line, column, $"'{Clip(text)}' is not a finite number (a non-finite target or weight reached the sums; filter such rows out)");
        }

        var sum = default(ExactSum);
        ReadOnlySpan<char> exactText = exactOrdinal < 0 ? default : source.GetField(exactOrdinal);
        if (exactOrdinal < 0 || MissingValues.IsMissing(exactText))
        {
            sum.Add(rounded);
            return sum;
        }

        if (!ExactSumText.TryParse(exactText, out sum))
        {
            throw KeelInputException.At(source.Name, source.Line, source.ColumnNames[exactOrdinal], $"'{Clip(exactText)}' is not an exact sum (expected significand p exponent, e.g. 12345p-10)");
        }

        if (BitConverter.DoubleToInt64Bits(sum.ToDouble() + 0.0) != BitConverter.DoubleToInt64Bits(rounded + 0.0))
        {
            throw KeelInputException.At(source.Name, source.Line, source.ColumnNames[exactOrdinal], $"the exact sum does not round to {column} = {rounded.ToString("R", CultureInfo.InvariantCulture)}; was the file edited? (drop the _exact columns to use the rounded sums)");
        }

        return sum;
    }

    private static int Ordinal(ITabularSource source, string column, bool required)
    {
        for (int i = 0; i < source.ColumnNames.Count; i++)
        {
            if (string.Equals(source.ColumnNames[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        if (!required)
        {
            return -1;
        }

        throw KeelInputException.InFile(source.Name, $"no column named '{column}'; a cells file has the formula's regressor columns, then keel_n, keel_sum_w, keel_sum_wy and keel_sum_wy2 (its columns are {string.Join(", ", source.ColumnNames.Take(12))})");
    }

    private static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..37], "...");
}
