namespace Keel.Compression;

/// <summary>
/// Gives each distinct text value of one column a dense id in first-seen order, looking up
/// spans without allocating (a string is made once per distinct value, never per row).
/// The ids are provisional: <see cref="CellCanonicalizer"/> renumbers them in canonical order.
/// </summary>
internal sealed class ValueInterner
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _values = [];
    private readonly List<long> _firstLine = [];

    public ValueInterner()
    {
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Distinct values in first-seen order.</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>The line each value was first seen on.</summary>
    public IReadOnlyList<long> FirstLine => _firstLine;

    /// <summary>The id of <paramref name="value"/>, interning it when new.</summary>
    public int Intern(ReadOnlySpan<char> value, long line)
    {
        if (_lookup.TryGetValue(value, out int id))
        {
            return id;
        }

        return Add(value.ToString(), line);
    }

    /// <summary>Interns a value seen first on <paramref name="line"/> elsewhere (merging another pass): keeps the earliest line.</summary>
    public int Intern(string value, long line)
    {
        if (_ids.TryGetValue(value, out int id))
        {
            _firstLine[id] = Math.Min(_firstLine[id], line);
            return id;
        }

        return Add(value, line);
    }

    private int Add(string text, long line)
    {
        int id = _values.Count;
        _ids.Add(text, id);
        _values.Add(text);
        _firstLine.Add(line);
        return id;
    }
}
