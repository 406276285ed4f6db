using System.Text;
using System.Text.Json;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Hardening;

/// <summary>
/// Targets mixing 1e308, 1e-308 and ordinary values (fuzz seed 3913): the exact target rescaling
/// must not flush the ordinary values, LSMR must not normalise by a subnormal β, and the sums of
/// squares must be scaled before squaring. Expected values are closed forms: for y ~ 0 + a the
/// least-squares coefficient of each level is the mean of its targets, and the residual sum of
/// squares is the within-level sum of squares.
/// </summary>
public class ExtremeTargetTests
{
    // Level p: {1e308, 1e308}, mean 1e308. Level q: {1e-308, 3}, mean 1.5 + 5e-309, which rounds
    // to 1.5. Level r: {2.5, 4.5, 5}, mean 4. Level s: {1e-308}, mean 1e-308.
    // Within-level squares: q 2·1.5² = 4.5, r 1.5² + 0.5² + 1² = 3.5; RSS = 8 on 8 − 4 = 4 df, sigma = √2.
    private const string Mixed = "a,y\np,1e308\nq,1e-308\nr,2.5\np,1e308\nq,3\nr,4.5\nr,5\ns,1e-308\n";

    private static JsonElement Fit(string csv, string formula, SolverChoice solver)
    {
        using var file = new TempCsv(csv);
        FitOutcome outcome = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [file.Path], Solver = solver });
        using var stream = new MemoryStream();
        ResultJson.Write(outcome.Result, stream);
        string json = Encoding.UTF8.GetString(stream.ToArray());
        Assert.DoesNotContain("NaN", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", json, StringComparison.Ordinal);
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static double Estimate(JsonElement result, string name) =>
        result.GetProperty("coefficients").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).GetProperty("estimate").GetDouble();

    [Theory]
    [InlineData("lsmr")]
    [InlineData("qr")]
    public void Level_coefficients_are_the_level_means_next_to_1e308(string solverName)
    {
        var solver = solverName == "lsmr" ? SolverChoice.Lsmr : SolverChoice.Qr;
        JsonElement result = Fit(Mixed, "y ~ 0 + a", solver);
        if (solver == SolverChoice.Lsmr)
        {
            Assert.True(result.GetProperty("solver").GetProperty("converged").GetBoolean());
        }

        // The column-scaled design of y ~ 0 + a has orthonormal columns: each estimate is its level's
        // mean after a handful of correctly rounded operations (cell mean, scaling by powers of two,
        // one LSMR step or one Householder reflection), so a few ulps: 64·eps is generous.
        Numeric.AssertClose(1e308, Estimate(result, "a[p]"), 64 * Numeric.Eps, what: "p");
        Numeric.AssertClose(1.5, Estimate(result, "a[q]"), 64 * Numeric.Eps, what: "q");
        Numeric.AssertClose(4.0, Estimate(result, "a[r]"), 64 * Numeric.Eps, what: "r");
        // 1e-308 sits 2^-2045 below the largest target: scaled by the same 2^-623 it lies under the
        // subnormal range, so it may come back as 0 — an absolute error of 1e-308, far inside the
        // least-squares accuracy eps·‖y‖ ≈ 3e292 that any backward-stable solver guarantees.
        Numeric.AssertClose(1e-308, Estimate(result, "a[s]"), 0, abs: 1e-308, what: "s");

        // RSS = within-level squares = 8 on 4 df; sums are formed scaled, so no underflow to 0.
        JsonElement fit = result.GetProperty("fit");
        Numeric.AssertClose(8.0, fit.GetProperty("rss").GetDouble(), 64 * Numeric.Eps, what: "rss");
        Numeric.AssertClose(Math.Sqrt(2), fit.GetProperty("sigma").GetDouble(), 64 * Numeric.Eps, what: "sigma");
    }

    [Fact]
    public void Fuzz_seed_3913_replays_without_a_crash() => CsvFuzzTests.RunCase(3913);
}
