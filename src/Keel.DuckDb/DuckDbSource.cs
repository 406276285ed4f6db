using System.Data.Common;
using DuckDB.NET.Data;
using Keel.Compression;

namespace Keel.DuckDb;

/// <summary>
/// Embedded DuckDB: a database file (duckdb:PATH.duckdb) or an in-memory engine over CSV/Parquet
/// files. Every connection runs with <c>SET threads=1</c>: DuckDB's parallel SUM(DOUBLE) adds in an
/// order that changes from run to run (measured: last-bit differences with threads=2), while one
/// thread gives the same bits every run; on this project's 2-core machines it was no slower for the
/// GROUP BY (docs/data-sources.md).
/// </summary>
internal static class DuckDbSource
{
    public const string Prefix = SqlEngines.DuckDbPrefix;

    /// <summary>Opens a read-only connection to duckdb:PATH, or an in-memory one for null.</summary>
    public static DbConnection Open(string? source)
    {
        string? path = source is null ? null : source[Prefix.Length..];
        if (path is not null && !File.Exists(path))
        {
            throw new KeelInputException($"{source}: no such DuckDB database file");
        }

        var connection = new DuckDBConnection(path is null ? "DataSource=:memory:" : $"DataSource={path};ACCESS_MODE=READ_ONLY");
        try
        {
            connection.Open();
            using DbCommand set = connection.CreateCommand();
            set.CommandText = "SET threads=1";
            set.ExecuteNonQuery();
            return connection;
        }
        catch (DuckDBException e)
        {
            connection.Dispose();
            throw new KeelInputException($"{source ?? "duckdb"}: cannot open ({FirstLine(e.Message)})", e);
        }
    }

    /// <summary>Runs a query and returns its reader; a DuckDB error becomes bad input naming the source.</summary>
    public static DbDataReader Execute(DbConnection connection, string sql, string source)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return command.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            command.Dispose();
            throw new KeelInputException($"{source}: the database rejected the query ({FirstLine(e.Message)})", e);
        }
    }

    /// <summary>True for an exception DuckDB raises while rows stream (a failed cast, say).</summary>
    public static bool IsDatabaseError(Exception e) => e is DuckDBException;

    internal static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}

/// <summary>Embedded DuckDB as the core's SQL engine (found by name: Keel.Compression.SqlEngines).</summary>
internal sealed class DuckDbEngine : ISqlEngine
{
    public SqlDialect Dialect => SqlDialect.DuckDb;

    public DbConnection Open(string? source) => DuckDbSource.Open(source);

    public DbDataReader Execute(DbConnection connection, string sql, string source) => DuckDbSource.Execute(connection, sql, source);

    public bool IsDatabaseError(Exception e) => DuckDbSource.IsDatabaseError(e);

    public bool IsConnectionLost(Exception e) => false;
}
