// SqlEngines: the SQL engines the row pass can run inside, found by name, not referenced.
//
// Why: DuckDB and PostgreSQL bring native libraries and drivers that a program fitting CSV files does
//   not need, so they live in their own packages (Keel.DuckDb, Keel.PostgreSql) and the core package
//   stays managed only (docs/architecture.md). Referencing a package puts its assembly beside Keel's;
//   the first database source looks the engine up by its type name there, so no registration call
//   is needed, and a missing package is bad input that names the package to add.
// Invariant: an engine is looked up once per process; nothing else in the core knows DuckDB or Npgsql.
using System.Data.Common;

namespace Keel.Compression;

/// <summary>A SQL engine that runs the row pass as one GROUP BY (implemented in Keel.DuckDb and Keel.PostgreSql).</summary>
internal interface ISqlEngine
{
    /// <summary>The SQL the engine speaks.</summary>
    SqlDialect Dialect { get; }

    /// <summary>Opens a connection to a source argument (duckdb:PATH, postgresql://...), or an in-memory engine for null where the engine has one.</summary>
    DbConnection Open(string? source);

    /// <summary>Runs a query; an engine error becomes bad input naming <paramref name="source"/>.</summary>
    DbDataReader Execute(DbConnection connection, string sql, string source);

    /// <summary>True for an exception the engine raises while rows stream.</summary>
    bool IsDatabaseError(Exception e);

    /// <summary>True when that exception means the connection went away.</summary>
    bool IsConnectionLost(Exception e);
}

/// <summary>The engines of the packages that are present.</summary>
internal static class SqlEngines
{
    /// <summary>The prefix of a DuckDB database source.</summary>
    public const string DuckDbPrefix = "duckdb:";

    private static readonly Lazy<ISqlEngine?> DuckDbEngine = new(() => Load("Keel.DuckDb.DuckDbEngine, Keel.DuckDb"));
    private static readonly Lazy<ISqlEngine?> PostgresEngine = new(() => Load("Keel.PostgreSql.PostgresEngine, Keel.PostgreSql"));

    /// <summary>Embedded DuckDB (sources duckdb:PATH and --engine duckdb), or bad input naming Keel.DuckDb.</summary>
    public static ISqlEngine DuckDb => DuckDbEngine.Value
        ?? throw new KeelInputException("duckdb: sources and --engine duckdb need the Keel.DuckDb package beside Keel (dotnet add package Keel.DuckDb; the keel tool includes it)");

    /// <summary>PostgreSQL (sources postgresql://...), or bad input naming Keel.PostgreSql.</summary>
    public static ISqlEngine Postgres => PostgresEngine.Value
        ?? throw new KeelInputException("postgresql:// sources need the Keel.PostgreSql package beside Keel (dotnet add package Keel.PostgreSql; the keel tool includes it)");

    /// <summary>The engine of a database source argument.</summary>
    public static ISqlEngine For(string source) => source.StartsWith(DuckDbPrefix, StringComparison.Ordinal) ? DuckDb : Postgres;

    /// <summary>True for an error of any engine already loaded.</summary>
    public static bool IsDatabaseError(Exception e) => Loaded().Any(engine => engine.IsDatabaseError(e));

    /// <summary>True when an engine already loaded reports a lost connection.</summary>
    public static bool IsConnectionLost(Exception e) => Loaded().Any(engine => engine.IsConnectionLost(e));

    /// <summary>A source URL without its password, for messages.</summary>
    public static string Redact(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || !uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            return url;
        }

        return url.Replace(uri.UserInfo, uri.UserInfo[..uri.UserInfo.IndexOf(':', StringComparison.Ordinal)] + ":***", StringComparison.Ordinal);
    }

    /// <summary>The first line of an engine's message.</summary>
    public static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static IEnumerable<ISqlEngine> Loaded() =>
        new[] { DuckDbEngine, PostgresEngine }.Where(l => l.IsValueCreated && l.Value is not null).Select(l => l.Value!);

    private static ISqlEngine? Load(string typeName)
    {
        Type? type;
        try
        {
            type = Type.GetType(typeName, throwOnError: false);
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException)
        {
            return null;
        }

        return type is null ? null : (ISqlEngine?)Activator.CreateInstance(type, nonPublic: true);
    }
}
