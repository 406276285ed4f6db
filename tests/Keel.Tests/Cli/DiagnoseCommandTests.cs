using System.Globalization;
using System.Text.Json;
using Keel.Tests.Solvers.Iterative;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Cli;

/// <summary>
/// `keel diagnose` through the command, as a user runs it: rank, aliasing, conditioning and warnings
/// without estimates, on the dense and on the iterative path, each checked against an independent
/// computation (MathNet's SVD or eigenvalues of the materialised design, counts from the data).
/// </summary>
// Slow (child processes on large designs): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class DiagnoseCommandTests
{
    private static string Example => Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");

    private const string ExampleFormula = "log(revenue) ~ region + city + product + C(month) + discount";

    private static List<string> Codes(JsonElement diagnostics) =>
        diagnostics.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()!).ToList();

    private static void AssertNoEstimates(JsonElement result)
    {
        foreach (JsonElement c in result.GetProperty("coefficients").EnumerateArray())
        {
            if (c.GetProperty("status").GetString() != "reference")
            {
                Assert.Equal(JsonValueKind.Null, c.GetProperty("estimate").ValueKind);
                Assert.Equal(JsonValueKind.Null, c.GetProperty("std_error").ValueKind);
            }
        }
    }

    [Fact]
    public void Diagnose_on_the_example_names_the_aliased_regions_and_its_condition_number_without_estimates()
    {
        var run = KeelProcess.Run(["diagnose", Example, "--formula", ExampleFormula, "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        JsonElement r = run.Json;
        JsonElement d = r.GetProperty("diagnostics");
        AssertNoEstimates(r);

        // Independent: the design from the file's rows. Every city lies in one region, so the region
        // columns are aliased; the kept design is intercept, cities, products, months (each but its
        // first level in canonical order) and discount.
        var rows = File.ReadLines(Example).Skip(1).Select(l => l.Split(',')).ToList();
        string[] cities = rows.Select(f => f[1]).Distinct().Order(StringComparer.Ordinal).ToArray();
        string[] products = rows.Select(f => f[2]).Distinct().Order(StringComparer.Ordinal).ToArray();
        int[] months = rows.Select(f => int.Parse(f[3], CultureInfo.InvariantCulture)).Distinct().Order().ToArray();
        int regions = rows.Select(f => f[0]).Distinct().Count();
        int p = 1 + (cities.Length - 1) + (products.Length - 1) + (months.Length - 1) + 1;
        var x = Matrix<double>.Build.Dense(rows.Count, p);
        for (int i = 0; i < rows.Count; i++)
        {
            string[] f = rows[i];
            x[i, 0] = 1;
            int city = Array.IndexOf(cities, f[1]), product = Array.IndexOf(products, f[2]), month = Array.IndexOf(months, int.Parse(f[3], CultureInfo.InvariantCulture));
            if (city > 0)
            {
                x[i, city] = 1;
            }

            if (product > 0)
            {
                x[i, cities.Length - 1 + product] = 1;
            }

            if (month > 0)
            {
                x[i, cities.Length - 1 + products.Length - 1 + month] = 1;
            }

            x[i, p - 1] = double.Parse(f[4], CultureInfo.InvariantCulture);
        }

        for (int j = 0; j < p; j++)
        {
            x.SetColumn(j, x.Column(j) / x.Column(j).L2Norm());
        }

        var s = x.Svd(computeVectors: false).S;
        Assert.Equal(p, d.GetProperty("rank").GetInt32());
        Assert.Equal(regions - 1, d.GetProperty("aliased").GetArrayLength());
        Assert.All(d.GetProperty("aliased").EnumerateArray(), a => Assert.StartsWith("region[", a.GetString(), StringComparison.Ordinal));
        // kappa ≈ 19: both SVDs are accurate to a few κ·u; 1e-10 relative.
        Numeric.AssertClose(s.Maximum() / s.Minimum(), d.GetProperty("condition_number").GetDouble(), 1e-10, what: "condition number");
        Assert.StartsWith("exact", d.GetProperty("condition_method").GetString(), StringComparison.Ordinal);
        Assert.Contains("ALIASED", Codes(d));
        Assert.DoesNotContain("COLLINEAR", Codes(d));
        Assert.DoesNotContain("STD_ERRORS_UNAVAILABLE", Codes(d));
    }

    [Fact]
    public void Diagnose_warns_about_a_nearly_collinear_pair_naming_both()
    {
        var rng = new Random(31);
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            double x1 = rng.NextDouble();
            return (x1, x2: x1 + (1e-4 * (rng.NextDouble() - 0.5)), y: rng.NextDouble());
        }).ToList();
        using var file = new TempCsv("x1,x2,y\n" + string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.x1:R},{r.x2:R},{r.y:R}\n"))));
        var run = KeelProcess.Run(["diagnose", file.Path, "--formula", "y ~ x1 + x2", "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        JsonElement d = run.Json.GetProperty("diagnostics");

        var x = Matrix<double>.Build.Dense(rows.Count, 3, (i, j) => j == 0 ? 1 : j == 1 ? rows[i].x1 : rows[i].x2);
        for (int j = 0; j < 3; j++)
        {
            x.SetColumn(j, x.Column(j) / x.Column(j).L2Norm());
        }

        var s = x.Svd(computeVectors: false).S;
        // κ ≈ 1e4: MathNet's σ_min is accurate to about κ·u relative; 1e-8.
        Numeric.AssertClose(s.Maximum() / s.Minimum(), d.GetProperty("condition_number").GetDouble(), 1e-8, what: "condition number");
        JsonElement warning = Assert.Single(d.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "COLLINEAR");
        Assert.StartsWith("x1 and x2 are nearly collinear", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_on_the_iterative_path_names_the_aliased_levels_and_estimates_the_condition_number()
    {
        // 1,800 kept columns plus c, a function of b (30 levels): its 29 columns are sums of b's.
        ConditionEstimateTests.Data data = ConditionEstimateTests.Crossed(30_000, 1500, 300, seed: 184);
        using var file = new TempCsv(data.Csv);
        var run = KeelProcess.Run(["diagnose", file.Path, "--formula", "y ~ a + b + c + x", "--solver", "lsmr", "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        JsonElement r = run.Json;
        JsonElement d = r.GetProperty("diagnostics");
        AssertNoEstimates(r);

        Assert.Equal(1800 + 29, d.GetProperty("parameters").GetInt32());
        Assert.Equal(1800, d.GetProperty("rank").GetInt32());
        var aliased = d.GetProperty("aliased").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal(Enumerable.Range(1, 29).Select(k => $"c[C{k:D2}]"), aliased);
        Assert.Contains("ALIASED", Codes(d));
        Assert.DoesNotContain("ALIASING_UNCHECKED", Codes(d));

        // The kept design is the full-rank a + b + x design: kappa within 2x, from below.
        double exact = ConditionEstimateTests.ExactScaledCondition(data, 1500, 300);
        double estimate = d.GetProperty("condition_number").GetDouble();
        Assert.InRange(estimate, exact / 2, exact * (1 + 1e-9));
        Assert.StartsWith("estimate (Lanczos", d.GetProperty("condition_method").GetString(), StringComparison.Ordinal);
    }
}
