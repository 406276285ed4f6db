using System.Text;
using System.Text.Json;
using Keel.Pipeline;
using Keel.Tests.TestSupport;
using Keel.Solvers;

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

    private static JsonElement Fit(string csv, string formula, SolverChoice solver, double? lambda = null)
    {
        FitOutcome outcome = CsvFit.Run(csv, new FitOptions
        {
            Formula = formula,
            Inputs = [],
            Solver = solver,
            Penalized = Keel.Solvers.Penalized.PenalizedOptions.Default with { Lambda = lambda },
        });
        return JsonDocument.Parse(CsvFit.StrictJson(outcome.Result)).RootElement.Clone();
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

    // Three levels of five rows, targets (1 + u)·scale with u from a fixed stream.
    private static (string Csv, double[] Mean, double[] Spread) Levels(double scale)
    {
        var rng = new Random(9);
        var csv = new StringBuilder("a,y\n");
        var mean = new double[3];
        var values = new List<double>[] { [], [], [] };
        for (int i = 0; i < 15; i++)
        {
            double y = (1 + rng.NextDouble()) * scale;
            values[i % 3].Add(y);
            csv.Append('L').Append(i % 3).Append(',').Append(y.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        // Means by scaling first: 5 values below 2·1e300 sum without overflow; below 1e-300 the
        // values are normal, so the mean is correct to a few ulps.
        var spread = new double[3];
        for (int j = 0; j < 3; j++)
        {
            mean[j] = values[j].Sum() / 5;
            // The spread is formed in units of scale: (v − ȳ)² itself would overflow at 1e300.
            spread[j] = scale * Math.Sqrt(values[j].Sum(v => ((v - mean[j]) / scale) * ((v - mean[j]) / scale)));
        }

        return (csv.ToString(), mean, spread);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(1e-300)]
    public void Ridge_at_a_given_lambda_is_the_shrunken_level_mean(double scale)
    {
        // Ridge on y ~ 0 + a (every column penalised): min Σ_cells w_c(ȳ_c − β_c)² + λW‖β‖² separates by
        // level, β_j = n_j·ȳ_j/(n_j + λW) (Hoerl & Kennard; the objective in docs/penalized.md).
        (string csv, double[] mean, _) = Levels(scale);
        const double Lambda = 0.1;
        JsonElement result = Fit(csv, "y ~ 0 + a", SolverChoice.Ridge, Lambda);
        for (int j = 0; j < 3; j++)
        {
            // One QR of a 6 × 3 augmented design of orthogonal columns: a few ulps; 64·eps generous.
            Numeric.AssertClose(5 * mean[j] / (5 + (Lambda * 15)), Estimate(result, $"a[L{j}]"), 64 * Numeric.Eps, what: $"L{j}");
        }
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(1e-300)]
    public void Lasso_at_a_given_lambda_is_the_soft_thresholded_level_mean(double scale)
    {
        // Lasso on y ~ 0 + a: min (1/2W)Σ w(y − β)² + λ‖β‖₁ separates by level into
        // (n_j/2W)(ȳ_j − β)² + λ|β|, so β_j = sign(ȳ_j)·max(0, |ȳ_j| − λW/n_j) (soft thresholding).
        (string csv, double[] mean, _) = Levels(scale);
        double lambda = 0.1 * scale;
        JsonElement result = Fit(csv, "y ~ 0 + a", SolverChoice.Lasso, lambda);
        for (int j = 0; j < 3; j++)
        {
            // Coordinate descent on separable coordinates is exact after one sweep up to the rounding
            // of ȳ_j − λW/n_j, which cancels at most one digit here (λW/n_j = 0.3·scale < ȳ_j/3).
            Numeric.AssertClose(mean[j] - (lambda * 15 / 5), Estimate(result, $"a[L{j}]"), 1e3 * Numeric.Eps, what: $"L{j}");
        }
    }

    [Theory]
    [InlineData(997)]
    [InlineData(-997)]
    public void Sgd_on_targets_scaled_by_a_power_of_two_gives_the_same_coefficients_scaled(int exponent)
    {
        // Every SGD step is linear in y with a step size that does not depend on y, so on targets
        // 2^e·y (exact) the iterates are exactly 2^e times those on y: the same bits after scaling
        // back — whether or not 1000 epochs meet the 1e-6 gradient rule. Before the rescaling, the
        // products near 2^997 overflowed and the result held NaN.
        (string csv, _, _) = Levels(1.0);
        (string scaledCsv, _, _) = Levels(Math.ScaleB(1.0, exponent));
        JsonElement plain = Fit(csv, "y ~ 0 + a", SolverChoice.Sgd);
        JsonElement scaled = Fit(scaledCsv, "y ~ 0 + a", SolverChoice.Sgd);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(Math.ScaleB(Estimate(plain, $"a[L{j}]"), exponent), Estimate(scaled, $"a[L{j}]"));
        }
    }

    [Fact]
    public void Ridge_cross_validation_beyond_the_double_range_asks_for_lambda()
    {
        const string Csv = "a,y\np,1.7e308\nq,-1.7e308\nr,1.6e308\np,1.5e308\nq,-1.6e308\n";
        var e = Assert.Throws<KeelInputException>(() => CsvFit.Run(Csv, new FitOptions { Formula = "y ~ a", Inputs = [], Solver = SolverChoice.Ridge, Penalized = Keel.Solvers.Penalized.PenalizedOptions.Default with { Folds = 3 } }));
        Assert.Contains("give --lambda", e.Message, StringComparison.Ordinal);
    }
}
