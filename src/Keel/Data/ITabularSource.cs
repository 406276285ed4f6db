namespace Keel.Data;

/// <summary>
/// A stream of rows read once, front to back, with fields seen as text spans so the row pass
/// allocates nothing per row. Sources: CSV (Sylvan), later Parquet and database cursors.
/// </summary>
internal interface ITabularSource : IDisposable
{
    /// <summary>What to call the source in messages (a file path).</summary>
    string Name { get; }

    /// <summary>Column names from the header, in file order.</summary>
    IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Advances to the next row; false at the end.</summary>
    bool Read();

    /// <summary>The current row's field, as text. Valid until the next Read.</summary>
    ReadOnlySpan<char> GetField(int ordinal);

    /// <summary>Number of fields in the current row (a ragged row has fewer or more than the header).</summary>
    int FieldCount { get; }

    /// <summary>1-based line of the current row in the file (the header is line 1), for messages.</summary>
    long Line { get; }

    /// <summary>Bytes consumed so far and the total, when known, for progress display.</summary>
    (long Done, long Total) Position { get; }
}
