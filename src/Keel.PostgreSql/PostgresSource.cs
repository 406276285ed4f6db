using System.Data.Common;
using Keel.Compression;
using Npgsql;

namespace Keel.PostgreSql;

/// <summary>
/// PostgreSQL through Npgsql: postgresql://user[:password]@host[:port]/database (the password may
/// also come from PGPASSWORD). Each session disables parallel query so SUM(float8) adds in one
/// order, the same every run for the same table.
/// </summary>
internal static class PostgresSource
{
    public static DbConnection Open(string url)
    {
        NpgsqlConnectionStringBuilder builder = Parse(url);
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
            using DbCommand set = connection.CreateCommand();
            set.CommandText = "SET max_parallel_workers_per_gather = 0";
            set.ExecuteNonQuery();
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            connection.Dispose();
            throw new KeelInputException($"{Redact(url)}: cannot connect ({SqlEngines.FirstLine(e.Message)})", e);
        }
    }

    public static DbDataReader Execute(DbConnection connection, string sql, string source)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        try
        {
            return command.ExecuteReader();
        }
        catch (NpgsqlException e)
        {
            command.Dispose();
            string what = IsConnectionLost(e) ? "the connection to the database was lost while it ran the query" : "the database rejected the query";
            throw new KeelInputException($"{Redact(source)}: {what} ({SqlEngines.FirstLine(e.Message)})", e);
        }
    }

    public static bool IsDatabaseError(Exception e) => e is NpgsqlException;

    /// <summary>
    /// True when the server went away (shut down, ended the session, the network dropped) rather
    /// than refusing the query: SQLSTATE class 57 (operator intervention) or a failed read/write.
    /// </summary>
    public static bool IsConnectionLost(Exception e) =>
        e is PostgresException { SqlState: "57P01" or "57P02" or "57P03" }
        || (e is NpgsqlException and not PostgresException && e.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException);

    /// <summary>The URL without its password, for messages.</summary>
    public static string Redact(string url) => SqlEngines.Redact(url);

    private static NpgsqlConnectionStringBuilder Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Host.Length == 0)
        {
            throw new KeelInputException($"{Redact(url)}: expected postgresql://user@host:port/database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            Timeout = 30,
        };
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new KeelInputException($"{Redact(url)}: name the database, postgresql://user@host:port/database");
        }

        return builder;
    }
}

/// <summary>PostgreSQL as the core's SQL engine (found by name: Keel.Compression.SqlEngines).</summary>
internal sealed class PostgresEngine : ISqlEngine
{
    public SqlDialect Dialect => SqlDialect.Postgres;

    public DbConnection Open(string? source) => PostgresSource.Open(source ?? throw new ArgumentNullException(nameof(source)));

    public DbDataReader Execute(DbConnection connection, string sql, string source) => PostgresSource.Execute(connection, sql, source);

    public bool IsDatabaseError(Exception e) => PostgresSource.IsDatabaseError(e);

    public bool IsConnectionLost(Exception e) => PostgresSource.IsConnectionLost(e);
}
