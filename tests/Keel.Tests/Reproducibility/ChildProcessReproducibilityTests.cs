using System.Globalization;
using System.Text.Json.Nodes;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Reproducibility;

/// <summary>
/// The reproducibility promise, tried as a user would: the keel command in child processes under
/// every runtime setting that changes which CPU instructions .NET uses (vector width, AVX-512, AVX2,
/// no hardware intrinsics at all), under different thread counts and a faked processor count, on
/// shuffled rows and Parquet input, for the QR and the LSMR paths. Every run must print the same fingerprint and the
/// same result bits (the whole JSON, bar the echoed thread count); a target changed by 1e-9 must
/// change the fingerprint. The data (20,000 rows, four factors, a numeric column, a log target)
/// is generated here, so the test needs nothing outside the repository.
/// </summary>
// Slow (child processes over several runtime settings): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class ChildProcessReproducibilityTests
{
    private const string Formula = "log(price) ~ shop + brand + region + weekday + size";

    // The settings of the reproducibility issue: name, extra arguments, environment.
    private static readonly Dictionary<string, (string[] Args, Dictionary<string, string> Env)> SettingsTable = new()
    {
        ["default"] = ([], []),
        ["threads 1"] = (["--threads", "1"], []),
        ["threads 2"] = (["--threads", "2"], []),
        ["no AVX-512"] = ([], new() { ["DOTNET_EnableAVX512"] = "0" }),
        ["no AVX2"] = ([], new() { ["DOTNET_EnableAVX2"] = "0" }),
        ["no hardware intrinsics"] = ([], new() { ["DOTNET_EnableHWIntrinsic"] = "0" }),
        ["128-bit vectors preferred"] = ([], new() { ["DOTNET_PreferredVectorBitWidth"] = "128" }),
        ["Vector<T> up to 512 bits"] = ([], new() { ["DOTNET_MaxVectorTBitWidth"] = "512" }),
        ["7 processors claimed"] = ([], new() { ["DOTNET_PROCESSOR_COUNT"] = "7" }),
    };

    [Theory]
    [InlineData("qr")]
    [InlineData("lsmr")]
    public void Every_setting_and_row_order_gives_one_fingerprint(string solver)
    {
        using var data = new TempCsv(Generate(shuffleSeed: null, perturbRow: -1));
        using var shuffled = new TempCsv(Generate(shuffleSeed: 99, perturbRow: -1));
        // The same rows, shuffled, as Parquet written by DuckDB (typed columns, a reader of its own).
        string parquet = Path.ChangeExtension(shuffled.Path, ".parquet");
        Keel.Tests.Data.SourceTestData.DuckDb(null, $"COPY (SELECT * FROM read_csv({Keel.Tests.Data.SourceTestData.Literal(shuffled.Path)}, header = true, columns = {{'shop': 'VARCHAR', 'brand': 'VARCHAR', 'region': 'VARCHAR', 'weekday': 'VARCHAR', 'size': 'DOUBLE', 'price': 'DOUBLE'}})) TO {Keel.Tests.Data.SourceTestData.Literal(parquet)} (FORMAT PARQUET, ROW_GROUP_SIZE 5000)");
        using var parquetFile = new DeleteOnDispose(parquet);
        var runs = SettingsTable
            .Select(kv => (Name: kv.Key, File: data.Path, kv.Value.Args, kv.Value.Env))
            .Append(("shuffled rows", shuffled.Path, [], []))
            .Append(("shuffled rows, threads 2", shuffled.Path, ["--threads", "2"], []))
            .Append(("Parquet input", parquet, [], []))
            .ToList();

        // Two children at a time: the machine has two cores, and each run is short.
        var results = new (string Name, string Fingerprint, string Canonical)[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var (name, file, args, env) = runs[i];
            var outcome = KeelProcess.Run(["fit", file, "--formula", Formula, "--solver", solver, "--quiet", .. args], env);
            Assert.True(outcome.ExitCode == 0, $"{name}: exit {outcome.ExitCode}: {outcome.Stderr}");
            results[i] = (name, outcome.Json.GetProperty("fingerprint").GetString()!, ReproducibleRuns.WithoutThreads(outcome.Stdout));
        });

        Assert.Equal(solver, JsonNode.Parse(results[0].Canonical)!["solver"]!["name"]!.GetValue<string>());
        foreach (var r in results)
        {
            Assert.True(r.Fingerprint == results[0].Fingerprint, $"{r.Name}: fingerprint {r.Fingerprint} differs from default's {results[0].Fingerprint}");
            Assert.True(r.Canonical == results[0].Canonical, $"{r.Name}: the result differs from default's beyond the fingerprint");
        }

        // One target moved by 1e-9 (relative to values around 10..1000) must move the fingerprint.
        using var perturbed = new TempCsv(Generate(shuffleSeed: null, perturbRow: 12345));
        var moved = KeelProcess.Run(["fit", perturbed.Path, "--formula", Formula, "--solver", solver, "--quiet"]);
        Assert.Equal(0, moved.ExitCode);
        Assert.NotEqual(results[0].Fingerprint, moved.Json.GetProperty("fingerprint").GetString());
    }

    private sealed class DeleteOnDispose(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }

    /// <summary>
    /// 20,000 rows: shop (120 levels), brand (25), region (8), weekday (7), a numeric size and a
    /// positive price; level frequencies skewed so some cells repeat. Deterministic for a seed.
    /// </summary>
    private static string Generate(int? shuffleSeed, int perturbRow)
    {
        const int rows = 20_000;
        var random = new Random(2024);
        var lines = new List<string>(rows);
        for (int i = 0; i < rows; i++)
        {
            int shop = (int)(120 * Math.Pow(random.NextDouble(), 2));
            int brand = (int)(25 * Math.Pow(random.NextDouble(), 1.5));
            int region = random.Next(8);
            int weekday = random.Next(7);
            double size = Math.Round(random.NextDouble() * 2, 1);
            double logPrice = 3 + (0.01 * shop) - (0.02 * brand) + (0.1 * region) + (0.05 * weekday) + (0.3 * size) + (0.2 * (random.NextDouble() - 0.5));
            double price = Math.Round(Keel.LinearAlgebra.ElementaryFunctions.Exp(logPrice), 4);
            if (i == perturbRow)
            {
                price += 1e-9;
            }

            lines.Add(string.Create(CultureInfo.InvariantCulture, $"s{shop:D3},b{brand:D2},r{region},d{weekday},{size:R},{price:R}"));
        }

        if (shuffleSeed is { } seed)
        {
            ReproducibleRuns.Shuffle(lines, seed);
        }

        return ReproducibleRuns.Csv("shop,brand,region,weekday,size,price", lines);
    }
}
