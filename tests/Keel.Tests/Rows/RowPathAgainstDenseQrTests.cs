using Keel.Api;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

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
    public void Three_factors_give_the_covariates_of_dense_QR_and_say_the_levels_are_unchecked()
    {
        using var data = new TempCsv(RowPathData.Csv(4000, seed: 13));
        FitOutcome rows = Fit(data.Path, "y ~ x1 + x2 | a + b + c", SolverChoice.Auto, StandardErrorKind.Hc1);
        FitOutcome qr = Fit(data.Path, "y ~ x1 + x2 + a + C(b) + C(c)", SolverChoice.Qr, StandardErrorKind.Hc1);
        foreach (string x in new[] { "x1", "x2" })
        {
            Numeric.AssertClose(Estimate(qr, x), Estimate(rows, x), rel: 1e-8, what: x);
            Numeric.AssertClose(Se(qr, x), Se(rows, x), rel: 1e-8, what: "HC1 std. error of " + x);
        }

        // Random data: no dependency beyond the references, so the bound on the rank is the rank.
        Assert.Equal(qr.Result.Rank, rows.Result.Rank);
        Assert.Contains(rows.Result.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
        Assert.DoesNotContain(rows.Result.Warnings, w => w.Code == WarningCodes.StandardErrorsUnavailable && w.Message.Contains("covariate", StringComparison.Ordinal) && !w.Message.Contains("only", StringComparison.Ordinal));
    }

    private static double Se(FitOutcome o, string name) => o.Result.Coefficients.Single(c => c.Name == name).StdError!.Value;

    private static double Estimate(FitOutcome o, string name) => o.Result.Coefficients.Single(c => c.Name == name).Estimate!.Value;
}
