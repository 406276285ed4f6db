using System.Text.Json.Nodes;
using Keel.Tests.Rows;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Reproducibility;

/// <summary>
/// The row path's reproducibility promise through the keel command in child processes: every
/// runtime setting that changes which CPU instructions .NET uses, thread counts, shuffled rows and
/// the rows split over two files print one result (the whole JSON bar the echoed thread count), and
/// a target moved in its ninth digit changes the fingerprint.
/// </summary>
public class RowPathChildProcessTests
{
    private const string Formula = "y ~ x1 + x2 | a + b + c";

    [Fact]
    public void Every_setting_row_order_and_split_gives_one_result()
    {
        using var data = new TempCsv(RowPathData.Csv(30_000, seed: 41));
        using var shuffled = new TempCsv(RowPathData.Csv(30_000, seed: 41, shuffleSeed: 8));
        string[] lines = File.ReadAllLines(shuffled.Path);
        using var part1 = new TempCsv(string.Join('\n', lines.Take(12_001)) + "\n");
        using var part2 = new TempCsv(lines[0] + "\n" + string.Join('\n', lines.Skip(12_001)) + "\n");
        var runs = new List<(string Name, string[] Args, Dictionary<string, string> Env)>
        {
            ("default", [data.Path], []),
            ("threads 1", [data.Path, "--threads", "1"], []),
            ("threads 2", [data.Path, "--threads", "2"], []),
            ("no AVX2", [data.Path], new() { ["DOTNET_EnableAVX2"] = "0" }),
            ("no hardware intrinsics", [data.Path], new() { ["DOTNET_EnableHWIntrinsic"] = "0" }),
            ("128-bit vectors preferred", [data.Path], new() { ["DOTNET_PreferredVectorBitWidth"] = "128" }),
            ("7 processors claimed", [data.Path], new() { ["DOTNET_PROCESSOR_COUNT"] = "7" }),
            ("shuffled, threads 2", [shuffled.Path, "--threads", "2"], []),
            ("split in two files", [part2.Path, part1.Path], []),
        };
        var results = new (string Name, string Canonical)[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            (string name, string[] args, Dictionary<string, string> env) = runs[i];
            var outcome = KeelProcess.Run(["fit", .. args, "--formula", Formula, "--quiet", "--se", "hc1"], env);
            Assert.True(outcome.ExitCode == 0, $"{name}: exit {outcome.ExitCode}: {outcome.Stderr}");
            results[i] = (name, ReproducibleRuns.WithoutThreads(outcome.Stdout));
        });

        Assert.Equal("within", JsonNode.Parse(results[0].Canonical)!["solver"]!["name"]!.GetValue<string>());
        foreach (var r in results)
        {
            Assert.True(r.Canonical == results[0].Canonical, $"{r.Name}: the result differs from default's");
        }

        string[] moved = File.ReadAllLines(data.Path);
        string[] fields = moved[777].Split(',');
        fields[0] = (double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) * (1 + 1e-9)).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        moved[777] = string.Join(',', fields);
        using var changed = new TempCsv(string.Join('\n', moved) + "\n");
        var other = KeelProcess.Run(["fit", changed.Path, "--formula", Formula, "--quiet"]);
        Assert.Equal(0, other.ExitCode);
        Assert.NotEqual(JsonNode.Parse(results[0].Canonical)!["fingerprint"]!.GetValue<string>(), other.Json.GetProperty("fingerprint").GetString());
    }
}
