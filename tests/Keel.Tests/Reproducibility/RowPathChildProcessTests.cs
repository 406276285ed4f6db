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
    // Covariates next to three factors (the usual row path, with HC1 errors), and four factors alone
    // whose levels recur (p1's shape: the further levels' Schur complement preconditions, gives every
    // level's error and the condition estimate; the cells' runs give the lack-of-fit test).
    [Theory]
    [InlineData("y ~ x1 + x2 | a + b + c", false)]
    [InlineData("y ~ C(a) + C(b) + C(c) + C(d)", true)]
    public void Every_setting_row_order_and_split_gives_one_result(string formula, bool factorsAlone)
    {
        string Csv(int? shuffleSeed) => factorsAlone
            ? RowPathBehaviourTests.RecurringLevels(40_000, seed: 52, shuffleSeed)
            : RowPathData.Csv(30_000, seed: 41, shuffleSeed: shuffleSeed);
        string[] errors = factorsAlone ? [] : ["--se", "hc1"];
        using var data = new TempCsv(Csv(null));
        using var shuffled = new TempCsv(Csv(8));
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
            var outcome = KeelProcess.Run(["fit", .. args, "--formula", formula, "--quiet", .. errors], env);
            Assert.True(outcome.ExitCode == 0, $"{name}: exit {outcome.ExitCode}: {outcome.Stderr}");
            results[i] = (name, ReproducibleRuns.WithoutThreads(outcome.Stdout));
        });

        Assert.Equal("within", JsonNode.Parse(results[0].Canonical)!["solver"]!["name"]!.GetValue<string>());
        if (factorsAlone)
        {
            JsonNode first = JsonNode.Parse(results[0].Canonical)!;
            Assert.NotNull(first["fit"]!["lack_of_fit"]);
            Assert.Contains("exact block Cholesky factor", first["diagnostics"]!["condition_method"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        foreach (var r in results)
        {
            Assert.True(r.Canonical == results[0].Canonical, $"{r.Name}: the result differs from default's");
        }

        string[] moved = File.ReadAllLines(data.Path);
        string[] fields = moved[777].Split(',');
        fields[0] = (double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) * (1 + 1e-9)).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        moved[777] = string.Join(',', fields);
        using var changed = new TempCsv(string.Join('\n', moved) + "\n");
        var other = KeelProcess.Run(["fit", changed.Path, "--formula", formula, "--quiet", .. errors]);
        Assert.Equal(0, other.ExitCode);
        Assert.NotEqual(JsonNode.Parse(results[0].Canonical)!["fingerprint"]!.GetValue<string>(), other.Json.GetProperty("fingerprint").GetString());
    }
}
