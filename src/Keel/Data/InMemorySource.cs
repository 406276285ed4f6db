using System.Globalization;

namespace Keel.Data;

/// <summary>
/// Columns already in memory seen as a tabular source, so they take the same row pass as a CSV file:
/// text fields as they are (null is missing), numbers as their shortest round-trip text, which the
/// row pass parses back to the same double bit for bit (NaN is missing, as in a file).
/// </summary>
internal sealed class InMemorySource : ITabularSource
{
    private readonly string[] _names;
    private readonly InMemoryColumn[] _columns;
    private readonly int _rowCount;
    private int _row = -1;

    /// <summary>Wraps the columns; they must all have the same length (checked by the caller).</summary>
    public InMemorySource(string name, IReadOnlyList<(string Name, InMemoryColumn Column)> columns)
    {
        Name = name;
        _names = columns.Select(c => c.Name).ToArray();
        _columns = columns.Select(c => c.Column).ToArray();
        _rowCount = _columns.Length == 0 ? 0 : _columns[0].Count;
    }

    public string Name { get; }

    public IReadOnlyList<string> ColumnNames => _names;

    public int FieldCount => _names.Length;

    /// <summary>1-based row number (there is no header line).</summary>
    public long Line => _row + 1;

    public (long Done, long Total) Position => (Math.Clamp(_row, 0, _rowCount), _rowCount);

    public bool Read() => ++_row < _rowCount;

    public ReadOnlySpan<char> GetField(int ordinal) => _columns[ordinal].Field(_row);

    public void Dispose()
    {
    }
}

/// <summary>
/// One in-memory column, read as text one row at a time. A numeric column formats into its own
/// buffer, so the fields of one row stay valid together until the next row is read.
/// </summary>
internal abstract class InMemoryColumn
{
    public abstract int Count { get; }

    public abstract ReadOnlySpan<char> Field(int row);

    public static InMemoryColumn Text(IReadOnlyList<string?> values) => new TextColumn(values);

    public static InMemoryColumn Numbers(IReadOnlyList<double> values) => new DoubleColumn(values);

    public static InMemoryColumn Integers(IReadOnlyList<int> values) => new IntColumn(values);

    private sealed class TextColumn(IReadOnlyList<string?> values) : InMemoryColumn
    {
        public override int Count => values.Count;

        public override ReadOnlySpan<char> Field(int row) => values[row].AsSpan();
    }

    private sealed class DoubleColumn(IReadOnlyList<double> values) : InMemoryColumn
    {
        // "R" is the shortest text that parses back to the same double; 32 chars hold any of them.
        private readonly char[] _buffer = new char[32];

        public override int Count => values.Count;

        public override ReadOnlySpan<char> Field(int row)
        {
            values[row].TryFormat(_buffer, out int length, "R", CultureInfo.InvariantCulture);
            return _buffer.AsSpan(0, length);
        }
    }

    private sealed class IntColumn(IReadOnlyList<int> values) : InMemoryColumn
    {
        private readonly char[] _buffer = new char[16];

        public override int Count => values.Count;

        public override ReadOnlySpan<char> Field(int row)
        {
            values[row].TryFormat(_buffer, out int length, provider: CultureInfo.InvariantCulture);
            return _buffer.AsSpan(0, length);
        }
    }
}
