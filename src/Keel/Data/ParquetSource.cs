using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Keel.Data;

/// <summary>
/// A Parquet file through Parquet.Net, streamed one row group at a time; only the columns the pass
/// asks for are decoded (on first use in each row group). Values are presented as text so the row
/// pass treats Parquet and CSV alike: a double as its shortest round-trip text ("R", invariant), which
/// parses back to the same bits; a float as the double it equals; integers and decimals in invariant
/// form; a null as the empty field (missing). Line is the 1-based row number in the file.
/// Cost measured in docs/data-sources.md: formatting and re-parsing numbers is a small share of the
/// time next to Parquet.Net's own decoding.
/// </summary>
internal sealed class ParquetSource : ITabularSource
{
    private readonly ParquetReader _reader;
    private readonly DataField[] _fields;
    private readonly string[] _columns;
    private readonly ColumnBuffer?[] _loaded;
    private readonly long _totalRows;
    private ParquetRowGroupReader? _group;
    private int _groupIndex = -1;
    private int _rowInGroup;
    private int _rowsInGroup;
    private long _rowsBefore;

    private ParquetSource(string path, ParquetReader reader)
    {
        Name = path;
        _reader = reader;
        _fields = reader.Schema.GetDataFields();
        _columns = _fields.Select(f => f.Name).ToArray();
        _loaded = new ColumnBuffer?[_fields.Length];
        _totalRows = reader.RowGroups.Sum(g => g.RowCount);
    }

    public string Name { get; }

    public IReadOnlyList<string> ColumnNames => _columns;

    public int FieldCount => _columns.Length;

    public long Line => _rowsBefore + _rowInGroup + 1;

    public (long Done, long Total) Position => (_rowsBefore + _rowInGroup, _totalRows);

    public static ParquetSource Open(string path)
    {
        try
        {
            ParquetReader reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
            return new ParquetSource(path, reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw KeelInputException.InFile(path, $"not a readable Parquet file ({FirstLine(e.Message)})", e);
        }
    }

    public bool Read()
    {
        _rowInGroup++;
        while (_rowInGroup >= _rowsInGroup)
        {
            if (_groupIndex + 1 >= _reader.RowGroupCount)
            {
                return false;
            }

            NextGroup();
        }

        return true;
    }

    public ReadOnlySpan<char> GetField(int ordinal)
    {
        ColumnBuffer column = _loaded[ordinal] ??= Load(ordinal);
        return column.Field(_rowInGroup);
    }

    public void Dispose()
    {
        _group?.Dispose();
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private void NextGroup()
    {
        _rowsBefore += _rowsInGroup;
        _group?.Dispose();
        _groupIndex++;
        _group = _reader.OpenRowGroupReader(_groupIndex);
        _rowsInGroup = checked((int)_group.RowCount);
        _rowInGroup = 0;
        Array.Clear(_loaded);
    }

    private ColumnBuffer Load(int ordinal)
    {
        DataField field = _fields[ordinal];
        try
        {
            return LoadAsync(field).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw KeelInputException.InRowGroup(Name, _groupIndex, field.Name, $"cannot read ({FirstLine(e.Message)})", e);
        }
    }

    private async Task<ColumnBuffer> LoadAsync(DataField field)
    {
        ParquetRowGroupReader group = _group!;
        if (field.IsArray || field.MaxRepetitionLevel > 0)
        {
            throw KeelInputException.At(Name, null, field.Name, "a repeated (list) column cannot be a regressor, target or weight");
        }

        Type t = field.ClrType;
        if (t == typeof(ReadOnlyMemory<char>) || t == typeof(string))
        {
            var values = new ReadOnlyMemory<char>?[_rowsInGroup];
            await group.ReadAsync<ReadOnlyMemory<char>>(field, values.AsMemory()).ConfigureAwait(false);
            return new TextBuffer(values);
        }

        return t switch
        {
            _ when t == typeof(double) => await Numbers<double>(group, field, static (v, d) => v.TryFormat(d, out int n, "R", CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(float) => await Numbers<float>(group, field, static (v, d) => ((double)v).TryFormat(d, out int n, "R", CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(long) => await Numbers<long>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(int) => await Numbers<int>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(short) => await Numbers<short>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(sbyte) => await Numbers<sbyte>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(byte) => await Numbers<byte>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(ushort) => await Numbers<ushort>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(uint) => await Numbers<uint>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(ulong) => await Numbers<ulong>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(decimal) => await Numbers<decimal>(group, field, static (v, d) => v.TryFormat(d, out int n, default, CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(bool) => await Numbers<bool>(group, field, static (v, d) => (v ? "true" : "false").TryCopyTo(d) ? (v ? 4 : 5) : -1).ConfigureAwait(false),
            _ when t == typeof(DateOnly) => await Numbers<DateOnly>(group, field, static (v, d) => v.TryFormat(d, out int n, "yyyy-MM-dd", CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ when t == typeof(DateTime) => await Numbers<DateTime>(group, field, static (v, d) => v.TryFormat(d, out int n, "yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) ? n : -1).ConfigureAwait(false),
            _ => throw KeelInputException.At(Name, null, field.Name, $"Parquet type {t.Name} is not supported as a regressor, target or weight (cast it to a number or text)"),
        };
    }

    private async Task<ColumnBuffer> Numbers<T>(ParquetRowGroupReader group, DataField field, Formatter<T> format)
        where T : struct
    {
        var values = new T?[_rowsInGroup];
        await group.ReadAsync<T>(field, values.AsMemory()).ConfigureAwait(false);
        return new ValueBuffer<T>(values, format);
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    /// <summary>Writes a value as text into the destination; returns the length, or -1 if it does not fit.</summary>
    private delegate int Formatter<T>(T value, Span<char> destination);

    private abstract class ColumnBuffer
    {
        public abstract ReadOnlySpan<char> Field(int row);
    }

    private sealed class TextBuffer(ReadOnlyMemory<char>?[] values) : ColumnBuffer
    {
        public override ReadOnlySpan<char> Field(int row) => values[row] is { } v ? v.Span : default;
    }

    /// <summary>
    /// A decoded numeric (or date, bool) column. Text is memoised in a small direct-mapped table, so a
    /// column with few distinct values (a month, a code) is formatted once per value, not once per row;
    /// a miss formats into the slot, so nothing is allocated per row either way.
    /// </summary>
    private sealed class ValueBuffer<T>(T?[] values, Formatter<T> format) : ColumnBuffer
        where T : struct
    {
        private const int Slots = 256;
        private const int SlotWidth = 64;
        private readonly T[] _slotValue = new T[Slots];
        private readonly int[] _slotLength = new int[Slots];
        private readonly char[] _text = new char[Slots * SlotWidth];

        public override ReadOnlySpan<char> Field(int row)
        {
            if (values[row] is not { } v)
            {
                return default;
            }

            int slot = (int)((uint)(EqualityComparer<T>.Default.GetHashCode(v) * -1640531535) >> 24);
            Span<char> text = _text.AsSpan(slot * SlotWidth, SlotWidth);
            if (_slotLength[slot] > 0 && EqualityComparer<T>.Default.Equals(_slotValue[slot], v))
            {
                return text[.._slotLength[slot]];
            }

            int n = Math.Max(format(v, text), 0);
            _slotValue[slot] = v;
            _slotLength[slot] = n;
            return text[..n];
        }
    }
}
