using System.Globalization;
using System.Text;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Closed forms and invariants of the likelihood fits on cells, independent of any peer:
/// a saturated one-factor model reproduces the level means (poisson: log ȳ; logit: log(p/(1 − p)));
/// a weight of 2 equals a duplicated row; the cells file gives the fit of the rows; bad targets exit 2.
/// </summary>
public class GlmInvariantTests
{
    private static FitResult Fit(string csv, string formula, GlmFamily family, string? weights = null) =>
        CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [], Family = family, WeightColumn = weights, Threads = 1 }).Result;

    // Counts per level: a = {1, 2, 6} (mean 3), b = {0, 1} (mean 0.5), c = {4, 4, 5, 7} (mean 5).
    private const string Counts = "a,y\na,1\na,2\na,6\nb,0\nb,1\nc,4\nc,4\nc,5\nc,7\n";

    [Fact]
    public void Saturated_poisson_estimates_are_the_logs_of_the_level_means()
    {
        FitResult r = Fit(Counts, "y ~ 0 + a", GlmFamily.Poisson);
        double[] estimates = r.Coefficients.Select(c => c.Estimate!.Value).ToArray();
        // Score equations Σ_level (y − e^β) = 0 give β = log ȳ exactly; IRLS reaches it to rounding.
        Numeric.AssertClose([Math.Log(3), Math.Log(0.5), Math.Log(5)], estimates, 1e-12, what: "log mean");
        // Classical standard error of log ȳ with n rows: 1/sqrt(n·ȳ) (Fisher information n·μ).
        Numeric.AssertClose([1 / Math.Sqrt(9), 1 / Math.Sqrt(1), 1 / Math.Sqrt(20)], r.Coefficients.Select(c => c.StdError!.Value).ToArray(), 1e-10, what: "std_error");
    }

    [Fact]
    public void Saturated_logit_estimates_are_the_log_odds_of_the_levels()
    {
        const string csv = "a,y\na,1\na,0\na,0\na,0\nb,1\nb,1\nb,0\n";
        FitResult r = Fit(csv, "y ~ 0 + a", GlmFamily.Binomial);
        Numeric.AssertClose([Math.Log(0.25 / 0.75), Math.Log(2.0)], r.Coefficients.Select(c => c.Estimate!.Value).ToArray(), 1e-12, what: "log odds");
        // Deviance of 0/1 rows: −2 Σ [y log p + (1 − y) log(1 − p)] at the level proportions.
        double deviance = -2 * ((Math.Log(0.25) + (3 * Math.Log(0.75))) + ((2 * Math.Log(2.0 / 3)) + Math.Log(1.0 / 3)));
        Numeric.AssertClose(deviance, r.Glm!.Deviance, 1e-12, what: "deviance");
    }

    [Fact]
    public void Weight_two_equals_a_duplicated_row()
    {
        var duplicated = new StringBuilder("a,b,y,w\n");
        var weighted = new StringBuilder("a,b,y,w\n");
        for (int i = 0; i < 60; i++)
        {
            string row = string.Create(CultureInfo.InvariantCulture, $"l{i % 4},m{i % 3},{(i * 7) % 5}");
            bool twice = i % 5 == 0;
            duplicated.Append(row).Append(",1\n");
            if (twice)
            {
                duplicated.Append(row).Append(",1\n");
            }

            weighted.Append(row).Append(twice ? ",2\n" : ",1\n");
        }

        FitResult a = Fit(duplicated.ToString(), "y ~ a + b", GlmFamily.Poisson, "w");
        FitResult b = Fit(weighted.ToString(), "y ~ a + b", GlmFamily.Poisson, "w");
        Numeric.AssertClose(a.Coefficients.Select(c => c.Estimate!.Value).ToArray(), b.Coefficients.Select(c => c.Estimate!.Value).ToArray(), 1e-13, what: "estimate");
        Numeric.AssertClose(a.Coefficients.Where(c => c.StdError is not null).Select(c => c.StdError!.Value).ToArray(), b.Coefficients.Where(c => c.StdError is not null).Select(c => c.StdError!.Value).ToArray(), 1e-12, what: "std_error");
        Numeric.AssertClose(a.Glm!.Deviance, b.Glm!.Deviance, 1e-12, what: "deviance");
        Assert.True(a.Glm.DevianceOfRows && b.Glm.DevianceOfRows, "both the rows' deviance (Σw·y·log y kept with weights too)");
    }

    [Fact]
    public void Row_order_and_threads_change_no_bit()
    {
        string[] lines = File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", "glm_data.csv"));
        string forward = string.Join('\n', lines) + "\n";
        string reversed = string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Reverse())) + "\n";
        foreach ((string formula, GlmFamily family) in new[] { ("y ~ a + b + g", GlmFamily.Poisson), ("z ~ a + b + g", GlmFamily.Binomial) })
        {
            using var one = new TempCsv(forward);
            using var two = new TempCsv(reversed);
            FitResult a = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [one.Path], Family = family, Threads = 1 }).Result;
            FitResult b = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [two.Path], Family = family, Threads = 2 }).Result;
            Assert.Equal(a.Coefficients.Select(c => c.Estimate), b.Coefficients.Select(c => c.Estimate));
            Assert.Equal(a.Coefficients.Select(c => c.StdError), b.Coefficients.Select(c => c.StdError));
            Assert.Equal(a.Glm!.Deviance, b.Glm!.Deviance);
        }
    }

    [Fact]
    public void Negative_poisson_target_exits_2_naming_the_line()
    {
        using var file = new TempCsv("a,y\nx,1\nx,-2\n");
        var run = KeelProcess.Run(["fit", file.Path, "--formula", "y ~ a", "--family", "poisson", "--quiet"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("line 3, column 'y': -2 is negative", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Binomial_target_above_one_exits_2_naming_the_line()
    {
        using var file = new TempCsv("a,y\nx,1\nx,0\nx,1.5\n");
        var run = KeelProcess.Run(["fit", file.Path, "--formula", "y ~ a", "--family", "binomial", "--quiet"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("line 4, column 'y': 1.5 is outside [0, 1]", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Cli_writes_family_link_deviances_and_a_null_separated_coefficient()
    {
        using var file = new TempCsv(Counts + "d,0\nd,0\n");
        var run = KeelProcess.Run(["fit", file.Path, "--formula", "y ~ a", "--family", "poisson", "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        var fit = run.Json.GetProperty("fit");
        Assert.Equal("poisson", fit.GetProperty("family").GetString());
        Assert.Equal("log", fit.GetProperty("link").GetString());
        // Saturated in a, cells of several rows: the grouped deviance would be 0; the rows' is what is
        // left within the levels, 2·Σ y·log(y/ȳ_level) (the Σ(y − μ) terms vanish at μ = ȳ_level).
        Assert.Equal("rows", fit.GetProperty("deviance_of").GetString());
        double within = 2 * ((1 * Math.Log(1 / 3.0)) + (2 * Math.Log(2 / 3.0)) + (6 * Math.Log(2.0)) // a: mean 3
            + (1 * Math.Log(2.0))                                                                      // b: {0, 1}, mean 0.5
            + (2 * 4 * Math.Log(0.8)) + (7 * Math.Log(1.4)));                                          // c: mean 5
        Numeric.AssertClose(within, fit.GetProperty("deviance").GetDouble(), 1e-12, what: "rows' deviance");
        Assert.True(fit.GetProperty("null_deviance").GetDouble() > 1);
        Assert.Equal(2, fit.GetProperty("separated_rows").GetInt64());
        var d = run.Json.GetProperty("coefficients").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "a[d]");
        Assert.Equal("separated", d.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, d.GetProperty("estimate").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, d.GetProperty("exp_estimate").ValueKind);
        Assert.Contains(run.Json.GetProperty("diagnostics").GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "SEPARATION");
    }
}
