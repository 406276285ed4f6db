using System.Diagnostics;
using Keel.Tests.TestSupport;
using Npgsql;

namespace Keel.Tests.Data;

/// <summary>A PostgreSQL server that goes away mid-query is bad input (exit 2, one line), not an internal error.</summary>
public sealed class PostgresConnectionLossTests : IClassFixture<PostgresServer>
{
    private readonly PostgresServer _server;

    public PostgresConnectionLossTests(PostgresServer server)
    {
        _server = server;
        // A view that holds every query over it for 30 s (pg_sleep runs once, in the one-row join),
        // so the test can end the session while keel's query is certainly running.
        _server.Execute("""
            DROP VIEW IF EXISTS slow_sales; DROP TABLE IF EXISTS few_sales;
            CREATE TABLE few_sales AS SELECT (i % 7)::float8 AS y, 'a' || (i % 5) AS a FROM generate_series(1, 100) i;
            CREATE VIEW slow_sales AS SELECT f.y, f.a FROM few_sales f CROSS JOIN (SELECT pg_sleep(30)) AS s;
            """);
    }

    [Fact]
    public void The_session_ended_by_the_server_mid_query_is_exit_2_naming_the_source()
    {
        using KeelProcess.Running keel = KeelProcess.Start(["fit", _server.Url, "--table", "slow_sales", "--formula", "y ~ a", "--quiet"]);
        using var admin = new NpgsqlConnection(_server.ConnectionString);
        admin.Open();
        var clock = Stopwatch.StartNew();
        int ended = 0;
        while (ended == 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "keel's query never showed up in pg_stat_activity\n" + string.Join('\n', keel.Stderr));
            Thread.Sleep(50);
            // What a server shutdown or an administrator does to a session (SQLSTATE 57P01).
            using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%slow_sales%' AND pid <> pg_backend_pid()", admin);
            ended = Convert.ToInt32(terminate.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal(2, keel.WaitForExit(TimeSpan.FromMinutes(1)));
        string stderr = string.Join('\n', keel.Stderr);
        Assert.Single(keel.Stderr);
        Assert.StartsWith($"keel: {_server.Url}: the connection to the database was lost while", stderr, StringComparison.Ordinal);
        Assert.Contains("57P01", stderr, StringComparison.Ordinal);
    }
}
