using Keel.Api;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Rows;

/// <summary>
/// The row path (factors absorbed, covariates by Frisch–Waugh–Lovell) against an independent
/// computation: the cell path's dense pivoted QR with refinement on the full dummy design, whose
/// standard errors (classical, HC1, cluster) follow R sandwich's conventions on that design.
/// Tolerances: the designs here have scaled condition numbers of about 10²; QR with refinement is
/// accurate to about 1e-14 relative, and the row path's projection stops at a relative residual of
/// 1e-12, which moves estimates by about κ·1e-12 ≈ 1e-10: estimates are compared to 1e-8 relative
/// (abs 1e-9 for effects near 0), standard errors to 1e-8.
/// </summary>
// Slow (dense QR on materialised dummy designs): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class RowPathAgainstDenseQrTests
{
    private static FitOutcome Fit(string path, string formula, SolverChoice solver, StandardErrorKind se = StandardErrorKind.Classical, string? cluster = null, int threads = 1) =>
        FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [path], Solver = solver, StandardErrors = se, ClusterColumn = cluster, Threads = threads });

    [Theory]
    [InlineData("y ~ x1 + x2 + a", false)]
    [InlineData("y ~ x1 + x2 + a + C(b)", false)]
    [InlineData("y ~ x1 + x2 | a + b", true)]
    public void Every_coefficient_equals_dense_QR_on_the_dummy_design(string formula, bool disconnected)
    {
        using var data = new TempCsv(RowPathData.Csv(3000, seed: 11, disconnected));
        FitOutcome rows = Fit(data.Path, formula, SolverChoice.Auto);
        FitOutcome qr = Fit(data.Path, formula.Replace("| a + b", "+ C(a) + C(b)", StringComparison.Ordinal), SolverChoice.Qr);
        Assert.Equal("within", rows.Result.SolverName);
        Assert.Equal("qr", qr.Result.SolverName);
        Assert.Equal(qr.Result.Coefficients.Count, rows.Result.Coefficients.Count);
        for (int i = 0; i < qr.Result.Coefficients.Count; i++)
        {
            CoefficientResult expected = qr.Result.Coefficients[i];
            CoefficientResult actual = rows.Result.Coefficients[i];
            Assert.Equal(expected.Name, actual.Name);
            Assert.True(expected.Status == actual.Status, $"{expected.Name}: {actual.Status}, QR says {expected.Status}");
            if (expected.Estimate is { } e)
            {
                Numeric.AssertClose(e, actual.Estimate!.Value, rel: 1e-8, abs: 1e-9, what: expected.Name);
            }
        }

        Assert.Equal(disconnected ? 1 : 0, rows.Result.Coefficients.Count(c => c.Status == CoefficientStatus.Aliased));
        Assert.Equal(qr.Result.Rank, rows.Result.Rank);
        Assert.Equal(qr.Result.DfResidual, rows.Result.DfResidual);
        Numeric.AssertClose(qr.Result.Rss!.Value, rows.Result.Rss!.Value, rel: 1e-10, what: "rss");
        foreach (string x in new[] { "x1", "x2" })
        {
            Numeric.AssertClose(Se(qr, x), Se(rows, x), rel: 1e-8, what: "std. error of " + x);
        }
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "a")]
    [InlineData(false, "c")]
    public void Robust_standard_errors_equal_the_dense_sandwich(bool hc1, string? cluster)
    {
        StandardErrorKind se = hc1 ? StandardErrorKind.Hc1 : StandardErrorKind.Classical;
        using var data = new TempCsv(RowPathData.Csv(3000, seed: 12));
        FitOutcome rows = Fit(data.Path, "y ~ x1 + x2 + a + C(b)", SolverChoice.Auto, se, cluster);
        FitOutcome qr = Fit(data.Path, "y ~ x1 + x2 + a + C(b)", SolverChoice.Qr, se, cluster);
        Assert.Equal("within", rows.Result.SolverName);
        Assert.Equal(qr.Result.StdErrorType, rows.Result.StdErrorType);
        foreach (string x in new[] { "x1", "x2" })
        {
            Numeric.AssertClose(Se(qr, x), Se(rows, x), rel: 1e-8, what: $"{rows.Result.StdErrorType} std. error of {x}");
        }
    }

    [Fact]
    public void Three_factors_give_every_coefficient_of_dense_QR()
    {
        using var data = new TempCsv(RowPathData.Csv(4000, seed: 13));
        FitOutcome rows = Fit(data.Path, "y ~ x1 + x2 | a + b + c", SolverChoice.Auto, StandardErrorKind.Hc1);
        FitOutcome qr = Fit(data.Path, "y ~ x1 + x2 + a + C(b) + C(c)", SolverChoice.Qr, StandardErrorKind.Hc1);
        foreach (string x in new[] { "x1", "x2" })
        {
            Numeric.AssertClose(Estimate(qr, x), Estimate(rows, x), rel: 1e-8, what: x);
            Numeric.AssertClose(Se(qr, x), Se(rows, x), rel: 1e-8, what: "HC1 std. error of " + x);
        }

        // 31 further levels: the rank is decided exactly (FactorRank), as dense QR decides it.
        Assert.Equal(qr.Result.Rank, rows.Result.Rank);
        Assert.DoesNotContain(rows.Result.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
        for (int i = 0; i < qr.Result.Coefficients.Count; i++)
        {
            Assert.Equal(qr.Result.Coefficients[i].Status, rows.Result.Coefficients[i].Status);
            if (qr.Result.Coefficients[i].Estimate is { } e)
            {
                Numeric.AssertClose(e, rows.Result.Coefficients[i].Estimate!.Value, rel: 1e-8, abs: 1e-9, what: qr.Result.Coefficients[i].Name);
            }
        }
    }

    private static double Se(FitOutcome o, string name) => o.Result.Coefficients.Single(c => c.Name == name).StdError!.Value;

    private static double Estimate(FitOutcome o, string name) => o.Result.Coefficients.Single(c => c.Name == name).Estimate!.Value;
}

/// <summary>
/// Three factors with one nested in another (region determined by city) and a crossed one: the row
/// path decides the levels' rank exactly (FactorRank) and must mark the same levels aliased, with
/// the same estimates, as dense QR on the dummy design with the largest factor first (both then
/// decide the largest factor's levels first).
/// </summary>
public class RowPathNestedFactorsTests
{
    [Fact]
    public void Nested_levels_are_aliased_as_dense_QR_says()
    {
        var random = new Random(61);
        var text = new System.Text.StringBuilder("y,x1,x2,city,region,product\n");
        for (int i = 0; i < 6000; i++)
        {
            int city = random.Next(60);
            int region = city / 12;
            int product = random.Next(15);
            double x1 = Math.Round(random.NextDouble() * 3, 6);
            double x2 = Math.Round(random.NextDouble() - 0.5 + (0.01 * city), 6);
            double y = 2 + x1 - (0.5 * x2) + (0.02 * city) + (0.3 * region) - (0.05 * product) + random.NextDouble();
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{y:R},{x1:R},{x2:R},c{city:D2},r{region},{product}\n");
        }

        using var data = new TempCsv(text.ToString());
        const string formula = "y ~ x1 + x2 + city + region + C(product)";
        var rows = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], StandardErrors = StandardErrorKind.Hc1 }).Result;
        var qr = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], Solver = SolverChoice.Qr, StandardErrors = StandardErrorKind.Hc1 }).Result;
        Assert.Equal("within", rows.SolverName);
        Assert.DoesNotContain(rows.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
        Assert.Equal(4, rows.Coefficients.Count(c => c.Status == CoefficientStatus.Aliased));
        Assert.Equal(qr.Rank, rows.Rank);
        for (int i = 0; i < qr.Coefficients.Count; i++)
        {
            CoefficientResult expected = qr.Coefficients[i];
            CoefficientResult actual = rows.Coefficients[i];
            Assert.Equal(expected.Name, actual.Name);
            Assert.True(expected.Status == actual.Status, $"{expected.Name}: {actual.Status}, QR says {expected.Status}");
            if (expected.Estimate is { } e)
            {
                Numeric.AssertClose(e, actual.Estimate!.Value, rel: 1e-8, abs: 1e-9, what: expected.Name);
            }
        }

        Numeric.AssertClose(qr.Coefficients.Single(c => c.Name == "x2").StdError!.Value, rows.Coefficients.Single(c => c.Name == "x2").StdError!.Value, rel: 1e-8, what: "HC1 std. error of x2");
    }
}
