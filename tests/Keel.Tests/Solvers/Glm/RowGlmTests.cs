using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Poisson on the row path (Solvers/Glm/RowGlm: rows that do not compress, beyond the dense limits):
/// against fixest 0.12.2's fepois on the same rows (row_glm_reference.R beside this file; the data are
/// written by this class with KEEL_DUMP=FOLDER), with fixest's small-sample conventions (--ssc fixest)
/// for its iid, hetero and clustered standard errors. Both stop on the deviance's relative change
/// (Keel 1e-10, fixest glm.tol 1e-10 with fixef.tol 1e-11), so estimates and deviance agree to about
/// that: 1e-8 relative leaves room for either's stopping point and catches a wrong optimum or wrong
/// rows dropped; standard errors to 1e-6 (the issue's tolerance for them).
/// </summary>
[Trait("Category", "Slow")]
public class RowGlmTests
{
    private const string Formula = "y ~ a + b + c + x1 + x2";

    private static FitResult Fit(string csv, string ssc = "fixest", string? se = null, string? cluster = null, string name = "rows", string formula = Formula, GlmFamily family = GlmFamily.Poisson)
    {
        if (Environment.GetEnvironmentVariable("KEEL_DUMP") is { } dump)
        {
            File.WriteAllText(Path.Combine(dump, name + ".csv"), csv);
        }

        using var file = new TempCsv(csv);
        return FitPipeline.Run(new FitOptions
        {
            Formula = formula,
            Inputs = [file.Path],
            Family = family,
            SmallSample = ssc == "fixest" ? SmallSampleConvention.Fixest : SmallSampleConvention.Sandwich,
            StandardErrors = se == "hc1" ? StandardErrorKind.Hc1 : StandardErrorKind.Classical,
            ClusterColumn = cluster,
            Threads = 2,
        }).Result;
    }

    private static double Estimate(FitResult r, string name) => r.Coefficients.Single(c => c.Name == name).Estimate!.Value;

    private static double StdError(FitResult r, string name) => r.Coefficients.Single(c => c.Name == name).StdError!.Value;

    [Fact]
    public void Poisson_on_rows_matches_fepois_estimates_deviance_and_every_standard_error()
    {
        string csv = Generate(separateCombination: false);
        FitResult r = Fit(csv);
        Assert.Equal("within", r.SolverName);
        Assert.True(r.Converged);
        // fepois: "162/0/0 fixed-effects (339 observations) removed because of only 0 outcomes" (a0..a9
        // and 152 levels of few rows whose counts are all 0), nobs 11,661.
        Assert.Equal(339, r.Glm!.SeparatedRows);
        Assert.Equal(11_661, r.Glm.RowsFitted);
        Assert.Equal(CoefficientStatus.Separated, r.Coefficients.Single(c => c.Name == "a[a3]").Status);
        Numeric.AssertClose(0.671138564177025, Estimate(r, "x1"), 1e-8, what: "x1");
        Numeric.AssertClose(-0.29123949209130101, Estimate(r, "x2"), 1e-8, what: "x2");
        Numeric.AssertClose(10179.700107850662, r.Glm.Deviance, 1e-8, what: "deviance");
        Numeric.AssertClose(0.04133894185231108, StdError(r, "x1"), 1e-6, what: "x1 iid");
        Numeric.AssertClose(0.020506045352088022, StdError(r, "x2"), 1e-6, what: "x2 iid");
        Assert.Equal(Math.Exp(Estimate(r, "x1")), r.Coefficients.Single(c => c.Name == "x1").ExpEstimate!.Value);

        FitResult hetero = Fit(csv, se: "hc1");
        Numeric.AssertClose(0.03581884310669075, StdError(hetero, "x1"), 1e-6, what: "x1 hetero");
        Numeric.AssertClose(0.017890095351489995, StdError(hetero, "x2"), 1e-6, what: "x2 hetero");
        FitResult clustered = Fit(csv, cluster: "a");
        Numeric.AssertClose(0.036199412090792693, StdError(clustered, "x1"), 1e-6, what: "x1 cluster(a)");
        Numeric.AssertClose(0.017814149305837201, StdError(clustered, "x2"), 1e-6, what: "x2 cluster(a)");
        // R's glm convention (Keel's default): (X'ΩX)⁻¹ itself, no small-sample factor, which is
        // fixest's iid over its factor sqrt((n − 1)/(n − K)), K = 2,981 (fepois's nparams).
        FitResult plain = Fit(csv, ssc: "sandwich");
        double factor = Math.Sqrt((r.Glm.RowsFitted - 1.0) / (r.Glm.RowsFitted - 2981.0));
        Numeric.AssertClose(0.04133894185231108 / factor, StdError(plain, "x1"), 1e-6, what: "x1 classical");
    }

    [Fact]
    public void Poisson_with_an_exposure_offset_on_rows_matches_fepois()
    {
        // e = 0.5 + ((i·37) mod 100)/40, a made-up exposure: fepois(y ~ x1 + x2 + offset(log(e)) | a + b + c).
        FitResult r = Fit(Generate(separateCombination: false), formula: "y ~ a + b + c + x1 + x2 + offset(log(e))");
        Assert.Equal("within", r.SolverName);
        Assert.True(r.Converged);
        Assert.Equal(339, r.Glm!.SeparatedRows);
        Numeric.AssertClose(0.69222701613801663, Estimate(r, "x1"), 1e-8, what: "x1");
        Numeric.AssertClose(-0.30256848060583219, Estimate(r, "x2"), 1e-8, what: "x2");
        Numeric.AssertClose(12198.716915830621, r.Glm.Deviance, 1e-8, what: "deviance");
        Numeric.AssertClose(0.042219916768349651, StdError(r, "x1"), 1e-6, what: "x1 iid");
        Numeric.AssertClose(0.021046069482030912, StdError(r, "x2"), 1e-6, what: "x2 iid");
    }

    [Fact]
    public void Logit_on_rows_matches_feglm()
    {
        // z = 1 where y ≥ 2. feglm(family = binomial): "… fixed-effects (… observations) removed
        // because of only 0 (or only 1) outcomes"; glm.tol 1e-10, fixef.tol 1e-11. Both stop on the
        // deviance; the logit's standard errors agree to a few 1e-7 (measured on 1M rows of fixest's
        // shape: 2.8e-7), inside the issue's 1e-6.
        string csv = Generate(separateCombination: false);
        FitResult r = Fit(csv, formula: "z ~ a + b + c + x1 + x2", family: GlmFamily.Binomial);
        Assert.Equal("within", r.SolverName);
        Assert.True(r.Converged);
        // 1,063 levels of a whose z are all 0 or all 1 (3,120 rows), as feglm.
        Assert.Equal(3_120, r.Glm!.SeparatedRows);
        Numeric.AssertClose(1.749744415740599, Estimate(r, "x1"), 1e-8, what: "x1");
        Numeric.AssertClose(-0.72689715769887264, Estimate(r, "x2"), 1e-8, what: "x2");
        Numeric.AssertClose(9844.942893280524, r.Glm.Deviance, 1e-8, what: "deviance");
        Numeric.AssertClose(0.11624381963669192, StdError(r, "x1"), 1e-6, what: "x1 iid");
        Numeric.AssertClose(0.056735124199424697, StdError(r, "x2"), 1e-6, what: "x2 iid");
        FitResult clustered = Fit(csv, cluster: "a", formula: "z ~ a + b + c + x1 + x2", family: GlmFamily.Binomial);
        Numeric.AssertClose(0.12033588676240863, StdError(clustered, "x1"), 1e-6, what: "x1 cluster(a)");
    }

    [Fact]
    public void Separation_by_a_combination_of_levels_is_found_on_the_rows_and_the_rest_equals_fepois_without_it()
    {
        FitResult r = Fit(Generate(separateCombination: true), name: "rows_combination");
        Assert.Equal("within", r.SolverName);
        Assert.True(r.Converged);
        FitWarning warning = Assert.Single(r.Warnings, w => w.Code == WarningCodes.Separation);
        Assert.Contains("no single level is all zero", warning.Message, StringComparison.Ordinal);
        // The planted block (a100..a149 with b0..b4: every such row 0, each of those levels positive
        // elsewhere) plus a0..a9 as above; fepois cannot see the block (its check covers single
        // levels), so the reference is fepois on the rows without it.
        // fepois without the block's 129 rows drops 361 more (176 all-zero levels).
        Assert.Equal(361 + 129, r.Glm!.SeparatedRows);
        Numeric.AssertClose(0.6683170235885828, Estimate(r, "x1"), 1e-8, what: "x1");
        Numeric.AssertClose(-0.29217448655520006, Estimate(r, "x2"), 1e-8, what: "x2");
        Numeric.AssertClose(10024.745980708936, r.Glm.Deviance, 1e-8, what: "deviance");
        Numeric.AssertClose(0.041402670733463785, StdError(r, "x1"), 1e-6, what: "x1 iid");
    }

    [Fact]
    public void Threads_row_order_and_split_give_the_same_bits_in_child_processes()
    {
        string csv = Generate(separateCombination: true);
        string[] lines = csv.TrimEnd('\n').Split('\n');
        var body = lines.Skip(1).ToList();
        ReproducibleRuns.Shuffle(body, 3);
        using var data = new TempCsv(csv);
        using var shuffled = new TempCsv(ReproducibleRuns.Csv(lines[0], body));
        using var part1 = new TempCsv(ReproducibleRuns.Csv(lines[0], body.Take(5_000).ToList()));
        using var part2 = new TempCsv(ReproducibleRuns.Csv(lines[0], body.Skip(5_000).ToList()));
        var runs = new (string Name, string[] Files, string[] Args, Dictionary<string, string> Env)[]
        {
            ("threads 1", [data.Path], ["--threads", "1"], []),
            ("threads 2", [data.Path], ["--threads", "2"], []),
            ("no AVX2", [data.Path], [], new() { ["DOTNET_EnableAVX2"] = "0" }),
            ("shuffled", [shuffled.Path], [], []),
            ("split in two files", [part2.Path, part1.Path], [], []),
        };
        var results = new string[runs.Length];
        Parallel.For(0, runs.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            KeelProcess.Outcome outcome = KeelProcess.Run(["fit", .. runs[i].Files, "--formula", Formula, "--family", "poisson", "--cluster", "a", "--quiet", .. runs[i].Args], runs[i].Env);
            Assert.True(outcome.ExitCode == 0, $"{runs[i].Name}: exit {outcome.ExitCode}: {outcome.Stderr}");
            results[i] = ReproducibleRuns.WithoutThreads(outcome.Stdout);
        });

        JsonNode first = JsonNode.Parse(results[0])!;
        Assert.Equal("within", first["solver"]!["name"]!.GetValue<string>());
        for (int i = 1; i < runs.Length; i++)
        {
            Assert.True(results[i] == results[0], $"{runs[i].Name}: the result differs from threads 1's");
        }
    }

    /// <summary>
    /// 12,000 rows: a (3,100 levels; rows 0..3099 give each its first row), b (40), c (5), x1 and x2
    /// continuous (four decimals: every row its own cell), y poisson with log-rate
    /// 0.2 + 0.02·(a mod 17) − 0.01·b + 0.1·c + 0.7·x1 − 0.3·x2; a0..a9 all zero. With
    /// <paramref name="separateCombination"/>, rows of a100..a149 take b from b0..b4 (then y = 0) or
    /// b38, b39 (which no other level of a meets); no other row meets b38 or b39.
    /// </summary>
    private static string Generate(bool separateCombination)
    {
        var random = new Random(23);
        var csv = new StringBuilder("a,b,c,x1,x2,y,z,e\n");
        for (int i = 0; i < 12_000; i++)
        {
            int a = i < 3100 ? i : random.Next(3100);
            int b = random.Next(38);
            int c = random.Next(5);
            double x1 = Math.Round(random.NextDouble() - 0.5, 4);
            double x2 = Math.Round(random.NextDouble() * 2, 4);
            bool block = separateCombination && a is >= 100 and < 150;
            if (block)
            {
                int pick = random.Next(7);
                b = pick < 5 ? pick : 38 + (pick - 5);
            }

            double rate = Math.Exp(0.2 + (0.02 * (a % 17)) - (0.01 * b) + (0.1 * c) + (0.7 * x1) - (0.3 * x2));
            int y = Poisson(random, rate);
            if (a < 10 || (block && b < 5))
            {
                y = 0;
            }

            csv.Append(CultureInfo.InvariantCulture, $"a{a},b{b},c{c},{x1.ToString("R", CultureInfo.InvariantCulture)},{x2.ToString("R", CultureInfo.InvariantCulture)},{y},{(y >= 2 ? 1 : 0)},{(0.5 + (((i * 37) % 100) / 40.0)).ToString("0.000", CultureInfo.InvariantCulture)}\n");
        }

        return csv.ToString();
    }

    // Knuth's multiplication method (small rates).
    private static int Poisson(Random random, double rate)
    {
        double limit = Math.Exp(-rate);
        double product = random.NextDouble();
        int k = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            k++;
        }

        return k;
    }
}
