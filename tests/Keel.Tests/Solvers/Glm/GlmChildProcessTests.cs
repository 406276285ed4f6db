using System.Globalization;
using System.Text.Json.Nodes;
using Keel.LinearAlgebra;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// The reproducibility promise for likelihood fits, through the keel command in child processes
/// (issue 16 asks the child-process test to cover a poisson and a logit fit): every runtime setting
/// that changes which CPU instructions .NET uses, thread counts, shuffled rows and the rows split
/// over two files print one result (the whole JSON bar the echoed thread count), and a target moved
/// in its ninth digit moves the fingerprint. The data have repeated cells, an offset (poisson: its
/// e^o sums and Keel's own Exp), and a planted separated level (poisson: all zero counts; logit: all
/// ones), so IRLS, the separation checks and the exact cell sums are all on the path.
/// </summary>
// Slow (about thirty child processes): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class GlmChildProcessTests
{
    [Theory]
    [InlineData("poisson", "y ~ a + b + c + x + offset(log(exposure))", "qr")]
    [InlineData("poisson", "y ~ a + b + c + x + offset(log(exposure))", "lsmr")]
    [InlineData("binomial", "z ~ a + b + c + x", "qr")]
    public void Every_setting_row_order_and_split_gives_one_result(string family, string formula, string solver)
    {
        using var data = new TempCsv(Generate(shuffleSeed: null, perturbRow: -1));
        using var shuffled = new TempCsv(Generate(shuffleSeed: 8, perturbRow: -1));
        string[] lines = File.ReadAllLines(shuffled.Path);
        using var part1 = new TempCsv(string.Join('\n', lines.Take(4_001)) + "\n");
        using var part2 = new TempCsv(lines[0] + "\n" + string.Join('\n', lines.Skip(4_001)) + "\n");
        var runs = new List<(string Name, string[] Files, string[] Args, Dictionary<string, string> Env)>
        {
            ("default", [data.Path], [], []),
            ("threads 1", [data.Path], ["--threads", "1"], []),
            ("threads 2", [data.Path], ["--threads", "2"], []),
            ("no AVX2", [data.Path], [], new() { ["DOTNET_EnableAVX2"] = "0" }),
            ("no hardware intrinsics", [data.Path], [], new() { ["DOTNET_EnableHWIntrinsic"] = "0" }),
            ("128-bit vectors preferred", [data.Path], [], new() { ["DOTNET_PreferredVectorBitWidth"] = "128" }),
            ("7 processors claimed", [data.Path], [], new() { ["DOTNET_PROCESSOR_COUNT"] = "7" }),
            ("shuffled, threads 2", [shuffled.Path], ["--threads", "2"], []),
            ("split in two files", [part2.Path, part1.Path], [], []),
        };
        string[] Command(string[] files, string[] args) =>
            ["fit", .. files, "--formula", formula, "--family", family, "--solver", solver, "--quiet", .. args];

        var results = new (string Name, string Canonical)[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            (string name, string[] files, string[] args, Dictionary<string, string> env) = runs[i];
            KeelProcess.Outcome outcome = KeelProcess.Run(Command(files, args), env);
            Assert.True(outcome.ExitCode == 0, $"{name}: exit {outcome.ExitCode}: {outcome.Stderr}");
            results[i] = (name, ReproducibleRuns.WithoutThreads(outcome.Stdout));
        });

        JsonNode first = JsonNode.Parse(results[0].Canonical)!;
        Assert.Equal(family, first["fit"]!["family"]!.GetValue<string>());
        Assert.Equal(solver, first["solver"]!["name"]!.GetValue<string>());
        Assert.True(first["fit"]!["separated_rows"]!.GetValue<long>() > 0, "the planted separated level is on the path");
        foreach ((string name, string canonical) in results)
        {
            Assert.True(canonical == results[0].Canonical, $"{name}: the result differs from default's");
        }

        using var perturbed = new TempCsv(Generate(shuffleSeed: null, perturbRow: 1234));
        KeelProcess.Outcome moved = KeelProcess.Run(Command([perturbed.Path], []));
        Assert.Equal(0, moved.ExitCode);
        Assert.NotEqual(first["fingerprint"]!.GetValue<string>(), moved.Json.GetProperty("fingerprint").GetString());
    }

    /// <summary>
    /// 10,000 rows: a (30 levels, skewed), b (10), c (4), x in tenths (so cells repeat), exposure
    /// 0.5..3, a poisson count y with mean exposure·e^η and a 0/1 outcome z with logit η. Level a29
    /// has y = 0 and z = 1 on every row (separated for both families). The perturbed row gets 1e-9
    /// added to y (poisson takes any non-negative amount) and, for the logit, z flipped.
    /// </summary>
    private static string Generate(int? shuffleSeed, int perturbRow)
    {
        const int rows = 10_000;
        var random = new Random(16);
        var lines = new List<string>(rows);
        for (int i = 0; i < rows; i++)
        {
            int a = (int)(30 * Math.Pow(random.NextDouble(), 1.5));
            int b = random.Next(10);
            int c = random.Next(4);
            double x = random.Next(10) / 10.0;
            double exposure = 0.5 + (random.Next(6) / 2.0);
            double eta = -0.5 + (0.03 * a) - (0.05 * b) + (0.2 * c) + (0.4 * x);
            double y = a == 29 ? 0 : Poisson(random, exposure * ElementaryFunctions.Exp(eta));
            int z = a == 29 || random.NextDouble() < 1 / (1 + ElementaryFunctions.Exp(-eta)) ? 1 : 0;
            if (i == perturbRow)
            {
                y += 1e-9;
                z = 1 - z;
            }

            lines.Add(string.Create(CultureInfo.InvariantCulture, $"a{a:D2},b{b},c{c},{x:R},{exposure:R},{y:R},{z}"));
        }

        if (shuffleSeed is { } seed)
        {
            ReproducibleRuns.Shuffle(lines, seed);
        }

        return ReproducibleRuns.Csv("a,b,c,x,exposure,y,z", lines);
    }

    // Knuth's multiplication method: fine for the small means here (at most about 10).
    private static int Poisson(Random random, double mean)
    {
        double limit = ElementaryFunctions.Exp(-mean), product = random.NextDouble();
        int k = 0;
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }
}
