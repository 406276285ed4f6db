using System.Text.Json;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Cli;

public class FitCommandTests
{
    private static string Example => Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");

    private const string ExampleFormula = "log(revenue) ~ region + city + product + C(month) + discount";

    [Fact]
    public void Fit_writes_the_contract_json_with_aliased_region_and_a_fingerprint()
    {
        var run = KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        JsonElement r = run.Json;
        Assert.Equal(20000, r.GetProperty("data").GetProperty("rows").GetInt64());
        JsonElement d = r.GetProperty("diagnostics");

        // Expected counts from the file itself: treatment coding drops one level per factor, and
        // since every city lies in one region, the region columns are sums of city columns.
        var rows = File.ReadLines(Example).Skip(1).Select(l => l.Split(',')).ToList();
        int Levels(int column) => rows.Select(f => f[column]).Distinct().Count();
        int regions = Levels(0), cities = Levels(1), products = Levels(2), months = Levels(3);
        Assert.All(rows.GroupBy(f => f[1]), g => Assert.Single(g.Select(f => f[0]).Distinct()));
        int parameters = 1 + (regions - 1) + (cities - 1) + (products - 1) + (months - 1) + 1;
        Assert.Equal(parameters, d.GetProperty("parameters").GetInt32());
        Assert.Equal(parameters - (regions - 1), d.GetProperty("rank").GetInt32());
        Assert.Equal(regions - 1, d.GetProperty("aliased").GetArrayLength());
        Assert.Equal(rows.Select(f => string.Join(',', f[1..5])).Distinct().Count(), r.GetProperty("data").GetProperty("cells").GetInt32());
        var coefficients = r.GetProperty("coefficients").EnumerateArray().ToList();
        Assert.Equal(parameters + 4, coefficients.Count);
        foreach (JsonElement c in coefficients.Where(c => c.GetProperty("status").GetString() == "aliased"))
        {
            Assert.Equal(JsonValueKind.Null, c.GetProperty("estimate").ValueKind);
            Assert.StartsWith("region[", c.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.True(c.GetProperty("aliased_with").GetArrayLength() > 0);
        }

        Assert.Matches("^[0-9a-f]{64}$", r.GetProperty("fingerprint").GetString());
        Assert.True(r.GetProperty("fit").GetProperty("pure_error_ss").GetDouble() > 0);
    }

    [Fact]
    public void Qr_and_lsmr_agree_on_the_example()
    {
        var qr = KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--solver", "qr", "--quiet"]).Json;
        var lsmr = KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--solver", "lsmr", "--quiet", "--tolerance", "1e-12"]).Json;
        double condition = qr.GetProperty("diagnostics").GetProperty("condition_number").GetDouble();
        // LSMR stops when ||A'r|| <= atol·||A||·||r||: the coefficient error is then bounded by about
        // cond(A)·atol relative to ||x|| (Fong & Saunders 2011, §3); allow a factor 100 for the estimate.
        double tolerance = 100 * condition * 1e-12;
        var a = qr.GetProperty("coefficients").EnumerateArray().ToList();
        var b = lsmr.GetProperty("coefficients").EnumerateArray().ToList();
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].GetProperty("status").GetString(), b[i].GetProperty("status").GetString());
            if (a[i].GetProperty("estimate").ValueKind == JsonValueKind.Number)
            {
                Numeric.AssertClose(a[i].GetProperty("estimate").GetDouble(), b[i].GetProperty("estimate").GetDouble(), tolerance, tolerance, a[i].GetProperty("name").GetString());
            }
        }
    }

    [Theory]
    [InlineData("no-such-file.csv", "y ~ x", "no such file")]
    [InlineData("EXAMPLE", "revenue ~ nosuchcolumn", "no column named 'nosuchcolumn'")]
    [InlineData("EXAMPLE", "revenue ~ city +", "formula")]
    public void Bad_input_exits_2_with_one_line_and_no_stack_trace(string data, string formula, string expected)
    {
        var run = KeelProcess.Run(["fit", data == "EXAMPLE" ? Example : data, "--formula", formula]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Fact]
    public void Missing_formula_is_a_usage_error()
    {
        var run = KeelProcess.Run(["fit", Example]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--formula", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_prints_warnings_before_the_table()
    {
        var run = KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--summary", "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        int warnings = run.Stdout.IndexOf("ALIASED", StringComparison.Ordinal);
        int table = run.Stdout.IndexOf("Coefficients:", StringComparison.Ordinal);
        Assert.True(warnings > 0 && warnings < table, run.Stdout);
        Assert.Contains("region is determined by city", run.Stdout, StringComparison.Ordinal);
    }
}
