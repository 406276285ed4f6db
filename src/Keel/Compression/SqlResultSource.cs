using System.Data.Common;
using System.Globalization;
using System.Numerics;

namespace Keel.Compression;

/// <summary>
/// The rows of a SQL result (DuckDB or PostgreSQL) as a tabular source, so cells computed by a
/// database go through the same reader as cells files. Numbers are presented as text exactly as the
/// Parquet source does (a double as shortest round-trip text, parsed back to the same bits); NULL is
/// the empty field (missing). Line is the 1-based row number of the result.
/// </summary>
internal sealed class SqlResultSource : Keel.Data.ITabularSource
{
    private readonly DbDataReader _reader;
    private readonly IDisposable[] _owned;
    private readonly string[] _columns;
    private readonly Type[] _types;
    private readonly char[][] _text;
    private long _row;

    public SqlResultSource(string name, DbDataReader reader, params IDisposable[] owned)
    {
        Name = name;
        _reader = reader;
        _owned = owned;
        _columns = new string[reader.FieldCount];
        _types = new Type[reader.FieldCount];
        _text = new char[reader.FieldCount][];
        for (int i = 0; i < _columns.Length; i++)
        {
            _columns[i] = reader.GetName(i);
            _types[i] = reader.GetFieldType(i);
            _text[i] = new char[64];
        }
    }

    public string Name { get; }

    public IReadOnlyList<string> ColumnNames => _columns;

    public int FieldCount => _columns.Length;

    public long Line => _row;

    public (long Done, long Total) Position => (_row, 0);

    public bool Read()
    {
        if (!_reader.Read())
        {
            return false;
        }

        _row++;
        return true;
    }

    public ReadOnlySpan<char> GetField(int ordinal)
    {
        if (_reader.IsDBNull(ordinal))
        {
            return default;
        }

        Type t = _types[ordinal];
        Span<char> buffer = _text[ordinal];
        int n;
        if (t == typeof(double))
        {
            _reader.GetDouble(ordinal).TryFormat(buffer, out n, "R", CultureInfo.InvariantCulture);
        }
        else if (t == typeof(float))
        {
            ((double)_reader.GetFloat(ordinal)).TryFormat(buffer, out n, "R", CultureInfo.InvariantCulture);
        }
        else if (t == typeof(long))
        {
            _reader.GetInt64(ordinal).TryFormat(buffer, out n, default, CultureInfo.InvariantCulture);
        }
        else if (t == typeof(int))
        {
            _reader.GetInt32(ordinal).TryFormat(buffer, out n, default, CultureInfo.InvariantCulture);
        }
        else if (t == typeof(string))
        {
            return _reader.GetString(ordinal);
        }
        else
        {
            object value = _reader.GetValue(ordinal);
            string text = value switch
            {
                bool b => b ? "true" : "false",
                DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
                DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                BigInteger b => b.ToString(CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? string.Empty,
            };
            return text;
        }

        return buffer[..n];
    }

    public void Dispose()
    {
        _reader.Dispose();
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }
}
