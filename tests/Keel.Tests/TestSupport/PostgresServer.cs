using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Keel.Tests.TestSupport;

/// <summary>
/// A throw-away PostgreSQL server for tests: initdb in a temporary folder, started on a free
/// loopback port with Debian's postgresql binaries, stopped and deleted on dispose. As root (CI),
/// the server runs as the postgres user, since PostgreSQL refuses to run as root. No mocks.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly bool _asPostgresUser;

    public PostgresServer()
    {
        _bin = FindBinaries();
        _asPostgresUser = Environment.UserName == "root";
        _folder = Path.Combine(Path.GetTempPath(), $"keel-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        string data = Path.Combine(_folder, "data");
        if (_asPostgresUser)
        {
            Run("chown", "postgres", _folder);
        }

        Port = FreePort();
        PgRun("initdb", "-D", data, "-U", "keel", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C");
        PgRun("pg_ctl", "-D", data, "-l", Path.Combine(_folder, "log"), "-w", "-t", "60", "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        Url = $"postgresql://keel@127.0.0.1:{Port}/postgres";
        ConnectionString = $"Host=127.0.0.1;Port={Port};Username=keel;Database=postgres";
    }

    public int Port { get; }

    /// <summary>The source as Keel's command line spells it.</summary>
    public string Url { get; }

    public string ConnectionString { get; }

    /// <summary>Runs SQL statements.</summary>
    public void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Loads a CSV file (header, empty field = NULL) into an existing table.</summary>
    public void CopyCsv(string table, string csvPath)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using (TextWriter writer = connection.BeginTextImport($"COPY {table} FROM STDIN (FORMAT csv, HEADER true)"))
        {
            writer.Write(File.ReadAllText(csvPath));
        }
    }

    /// <summary>Runs a query and writes its rows as CSV (header, NULL as empty), as a user exporting cells would.</summary>
    public void ExportCsv(string query, string csvPath)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using TextReader reader = connection.BeginTextExport($"COPY ({query}) TO STDOUT (FORMAT csv, HEADER true)");
        File.WriteAllText(csvPath, reader.ReadToEnd());
    }

    public void Dispose()
    {
        try
        {
            PgRun("pg_ctl", "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out int v) ? v : 0).Select(d => Path.Combine(d, "bin"))
            : [];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install Debian's postgresql package (.ci/run does)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void PgRun(string tool, params string[] args)
    {
        string exe = Path.Combine(_bin, tool);
        if (_asPostgresUser)
        {
            Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        }
        else
        {
            Run(exe, args);
        }
    }

    private static void Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        ChildProcess.WaitOrKill(process, TimeSpan.FromMinutes(2), exe);

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result} {stdout.Result}");
        }
    }
}
