using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Keel.Compression;
using Keel.Data;
using Keel.Model;

namespace Keel.Bench;

/// <summary>
/// Command-line timings of the row pass alone, outside BenchmarkDotNet (one run over a real file,
/// as the end-to-end comparison needs): Keel's pass, its stage split, and DuckDB's GROUP BY yardstick.
///   Keel.Bench rowpass FILE [--threads N] [--ranges]  Keel's row pass (parse, intern, cells, canonical order);
///                                                  --ranges: the parallel reader's path even with one thread
///   Keel.Bench rowpass-profile FILE                cumulative stage timings of the one-thread pass
///   Keel.Bench duckdb-groupby FILE [--threads N]   SELECT c0..,count(*),sum(y),sum(y*y) ... GROUP BY ALL
/// Files are gen_onehot.py's shape: key columns c0..c{K-1}, then y. Prints one line: seconds and counts.
/// </summary>
public static class RowPassTiming
{
    /// <summary>Runs a timing mode when <paramref name="args"/> names one; false otherwise.</summary>
    public static bool TryRun(string[] args)
    {
        if (args.Length < 2 || args[0] is not ("rowpass" or "rowpass-profile" or "duckdb-groupby"))
        {
            return false;
        }

        string path = args[1];
        int threads = 1;
        int at = Array.IndexOf(args, "--threads");
        if (at >= 0 && at + 1 < args.Length)
        {
            threads = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
        }

        string[] keys = KeyColumns(path);
        switch (args[0])
        {
            case "rowpass":
                KeelPass(path, keys, threads, args.Contains("--ranges"));
                break;
            case "rowpass-profile":
                Profile(path, keys);
                break;
            default:
                DuckDb(path, keys, threads);
                break;
        }

        return true;
    }

    private static string[] KeyColumns(string path)
    {
        using CsvSource source = CsvSource.Open(path);
        return source.ColumnNames.Where(c => c != "y").ToArray();
    }

    private static RowPassPlan Plan(string[] keys) => new("y", false, null, keys);

    private static void KeelPass(string path, string[] keys, int threads, bool ranges)
    {
        var clock = Stopwatch.StartNew();
        RowPassPlan plan = Plan(keys);
        var pass = new RowPass(plan);
        if (threads > 1 || ranges)
        {
            ParallelRowPass.AddCsv(pass, plan, path, threads, null, default);
        }
        else
        {
            using CsvSource source = CsvSource.Open(path);
            pass.Add(source);
        }

        double read = clock.Elapsed.TotalSeconds;
        CellTable cells = pass.Finish(threads);
        double total = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"keel rowpass threads={threads} seconds={total:F3} (pass {read:F3}, finish {total - read:F3}) rows={cells.Counts.RowsUsed} cells={cells.CellCount}"));
    }

    private static void DuckDb(string path, string[] keys, int threads)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var set = connection.CreateCommand())
        {
            set.CommandText = string.Create(CultureInfo.InvariantCulture, $"SET threads={threads}");
            set.ExecuteNonQuery();
        }

        string keyList = string.Join(",", keys);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {keyList}, count(*), sum(y), sum(y*y) FROM read_csv('{path.Replace("'", "''", StringComparison.Ordinal)}') GROUP BY ALL";
        long groups = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                groups++;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"duckdb groupby threads={threads} seconds={clock.Elapsed.TotalSeconds:F3} groups={groups}"));
    }

    // Cumulative stages over the same file (each a fresh read, so the page cache is warm for all):
    // parse = Sylvan reads every field; +intern = key fields interned; +number = target parsed;
    // full = RowPass.Add (cell hash and exact sums); finish = canonical renumbering and sort.
    private static void Profile(string path, string[] keys)
    {
        var interners = keys.Select(_ => new ValueInterner()).ToArray();
        Time("parse (Sylvan, all fields as spans)", () =>
        {
            long n = 0;
            using CsvSource source = CsvSource.Open(path);
            while (source.Read())
            {
                for (int j = 0; j < source.FieldCount; j++)
                {
                    n += source.GetField(j).Length;
                }
            }

            return n;
        });
        Time("parse + intern keys", () =>
        {
            long n = 0;
            using CsvSource source = CsvSource.Open(path);
            while (source.Read())
            {
                for (int j = 0; j < keys.Length; j++)
                {
                    n += interners[j].Intern(source.GetField(j), source.Line);
                }

                n += source.GetField(keys.Length).Length;
            }

            return n;
        });
        Time("parse + intern + double.TryParse(y)", () =>
        {
            long n = 0;
            double s = 0;
            using CsvSource source = CsvSource.Open(path);
            while (source.Read())
            {
                for (int j = 0; j < keys.Length; j++)
                {
                    n += interners[j].Intern(source.GetField(j), source.Line);
                }

                double.TryParse(source.GetField(keys.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double y);
                s += y;
            }

            return n + (long)s;
        });
        Time("parse + intern + number + cell hash only", () =>
        {
            var table = new CellHashTable(keys.Length);
            var key = new int[keys.Length];
            double s = 0;
            using CsvSource source = CsvSource.Open(path);
            while (source.Read())
            {
                for (int j = 0; j < keys.Length; j++)
                {
                    key[j] = interners[j].Intern(source.GetField(j), source.Line);
                }

                double.TryParse(source.GetField(keys.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double y);
                s += y;
                table.FindOrAdd(key, out _);
            }

            return table.Count + (long)s;
        });
        RowPass pass = null!;
        Time("RowPass.Add (+ cell hash, exact sums)", () =>
        {
            pass = new RowPass(Plan(keys));
            using CsvSource source = CsvSource.Open(path);
            pass.Add(source);
            return pass.CellCount;
        });
        Time("RowPass.Finish (canonical order)", () => pass.Finish().CellCount);
    }

    private static void Time(string stage, Func<long> run)
    {
        TimeSpan pause = GC.GetTotalPauseDuration();
        int gcs = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long result = run();
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stage,-44} {clock.Elapsed.TotalSeconds,7:F3} s wall {cpuSeconds,7:F3} s CPU, GC pause {(GC.GetTotalPauseDuration() - pause).TotalSeconds:F3} s, gen2 {GC.CollectionCount(2) - gcs}  ({result})"));
    }
}
