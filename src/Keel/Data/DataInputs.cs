namespace Keel.Data;

/// <summary>Where the row pass runs for file inputs.</summary>
internal enum DataEngine
{
    /// <summary>Keel's own pass (exact sums; the default).</summary>
    Native,

    /// <summary>One GROUP BY inside embedded DuckDB over the CSV/Parquet files.</summary>
    DuckDb,
}

/// <summary>
/// The DATA arguments of a command and how to read them: as rows (the default), as cells files
/// (<c>--cells</c>), or from a database with <c>--table</c> / <c>--query</c>. It is the list of the
/// arguments themselves, so code that only needs the paths reads it as a list of strings.
/// </summary>
internal sealed class DataInputs : IReadOnlyList<string>
{
    private readonly IReadOnlyList<string> _arguments;

    public DataInputs(IReadOnlyList<string> arguments)
    {
        _arguments = arguments;
    }

    /// <summary>The inputs are cells files (written by keel compress or by the query of keel sql).</summary>
    public bool Cells { get; init; }

    /// <summary>The table of a database source (as the database spells it, e.g. schema.sales).</summary>
    public string? Table { get; init; }

    /// <summary>The query of a database source, whose rows are the data.</summary>
    public string? Query { get; init; }

    /// <summary>Where the row pass over files runs.</summary>
    public DataEngine Engine { get; init; }

    /// <summary>True when the inputs are read by Keel's own row pass over CSV/Parquet rows.</summary>
    public bool IsRows => !Cells && Engine == DataEngine.Native && !_arguments.Any(IsDatabase) && Table is null && Query is null;

    public int Count => _arguments.Count;

    public string this[int index] => _arguments[index];

    /// <summary>The inputs with their reading options, or plain rows for a plain list.</summary>
    public static DataInputs Of(IReadOnlyList<string> inputs) => inputs as DataInputs ?? new DataInputs(inputs);

    /// <summary>True for a database source argument: duckdb:PATH or postgresql://...</summary>
    public static bool IsDatabase(string input) =>
        input.StartsWith("duckdb:", StringComparison.Ordinal)
        || input.StartsWith("postgresql://", StringComparison.Ordinal)
        || input.StartsWith("postgres://", StringComparison.Ordinal);

    public IEnumerator<string> GetEnumerator() => _arguments.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
