using System.Globalization;
using System.Text;
using Keel.Api;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// A poisson fit beyond the dense limits (the row path by default, the cells' iterative path with the
/// absorbed-factor preconditioner with --solver lsmr) whose largest factor has levels that are all zero. IRLS gives those separated cells weight 0, so
/// the absorbed factor had levels with a zero column; their pivot D_k = 0 once made every product
/// NaN ("internal error", exit 1; fixest's benchmark shape with its count column as target). The
/// oracles: the likelihood's own optimality condition, independent of any solver (at the maximum the
/// score Xᵀ(y − μ) is 0, so every level's Σy equals its Σμ over the rows kept, and Σx·(y − μ) = 0),
/// and fixest 0.12.2's fepois on the same rows (glm_large_path.R beside this file; the data are
/// written by this test with KEEL_DUMP=FILE), which drops the same 118 all-zero levels (238 rows).
/// </summary>
public class GlmLargePathTests
{
    // auto takes the row path (RowGlm: rows kept as columns, weighted within steps); --solver lsmr the
    // cells with the absorbed-factor preconditioner. Both against the same oracles.
    [Theory]
    [InlineData("auto", "within")]
    [InlineData("lsmr", "lsmr")]
    public void Separated_levels_of_the_absorbed_factor_leave_a_fit_that_solves_the_score_equations(string solverName, string path)
    {
        SolverChoice solver = solverName == "lsmr" ? SolverChoice.Lsmr : SolverChoice.Auto;
        // 3,100 levels of a (the absorbed factor; 2·cells·p² far beyond the dense limits), 40 of b,
        // one covariate; a's levels a0..a9 have only zero outcomes (and, by chance, 108 more of its
        // levels with few rows).
        var rng = new Random(5);
        const int rows = 12_000;
        var a = new int[rows];
        var b = new int[rows];
        var x = new double[rows];
        var y = new int[rows];
        var csv = new StringBuilder("a,b,x,y\n");
        for (int i = 0; i < rows; i++)
        {
            a[i] = i < 3100 ? i : rng.Next(3100);
            b[i] = rng.Next(40);
            x[i] = Math.Round(rng.NextDouble() - 0.5, 3);
            double rate = Math.Exp(0.3 + (0.02 * (a[i] % 17)) - (0.01 * b[i]) + (0.8 * x[i]));
            y[i] = a[i] < 10 ? 0 : Poisson(rng, rate);
            csv.Append(CultureInfo.InvariantCulture, $"a{a[i]},b{b[i]},{x[i].ToString("R", CultureInfo.InvariantCulture)},{y[i]}\n");
        }

        using var file = new TempCsv(csv.ToString());
        if (Environment.GetEnvironmentVariable("KEEL_DUMP") is { } dump) { File.WriteAllText(dump, csv.ToString()); }
        FitOutcome outcome = FitPipeline.Run(new FitOptions { Formula = "y ~ a + b + x", Inputs = [file.Path], Family = GlmFamily.Poisson, Solver = solver, Threads = 2 });
        FitResult r = outcome.Result;

        Assert.Equal(path, r.SolverName);
        Assert.True(r.Converged, "IRLS converged");
        Assert.Contains(r.Warnings, w => w.Code == "SEPARATION");
        var byName = r.Coefficients.ToDictionary(c => c.Name);
        for (int level = 1; level < 10; level++)
        {
            Assert.Equal(CoefficientStatus.Separated, byName[$"a[a{level}]"].Status);
        }

        // fixest: fepois(y ~ x | a + b, glm.tol = 1e-10, fixef.tol = 3e-12). Both stop on the deviance's
        // relative change (1e-10), so the estimates agree to about that: 1e-8 relative is loose enough
        // for either's stopping point and tight enough to catch a wrong optimum or wrong rows dropped.
        Assert.Equal(238, r.Glm!.SeparatedRows);
        Numeric.AssertClose(0.761413551197733, byName["x"].Estimate!.Value, 1e-8, what: "x against fixest");
        Numeric.AssertClose(10460.0977251604, r.Glm.Deviance, 1e-8, what: "deviance against fixest");

        // μ per row from the estimates (reference levels a0 — separated, so its rows are out — and b0 are 0).
        double Effect(string name) => byName.TryGetValue(name, out CoefficientResult? c) && c.Estimate is { } e ? e : 0.0;
        double intercept = Effect("(Intercept)");
        double slope = Effect("x");
        var sumY = new Dictionary<string, double>();
        var sumMu = new Dictionary<string, double>();
        double scoreX = 0, scale = 0;
        for (int i = 0; i < rows; i++)
        {
            if (byName.TryGetValue($"a[a{a[i]}]", out CoefficientResult? own) && own.Status == CoefficientStatus.Separated || a[i] == 0)
            {
                continue; // separated rows (a0 is the reference level, all zero too): left out of the fit
            }

            double mu = Math.Exp(intercept + Effect($"a[a{a[i]}]") + Effect($"b[b{b[i]}]") + (slope * x[i]));
            foreach (string level in new[] { $"a{a[i]}", $"b{b[i]}" })
            {
                sumY[level] = sumY.GetValueOrDefault(level) + y[i];
                sumMu[level] = sumMu.GetValueOrDefault(level) + mu;
            }

            scoreX += x[i] * (y[i] - mu);
            scale += Math.Abs(x[i]) * y[i];
        }

        // IRLS stops when the deviance changes by < 1e-10 relatively; the score is then zero to about
        // the square root of that (a quadratic objective near the optimum): 1e-5 of each level's total.
        foreach ((string level, double total) in sumY)
        {
            Assert.True(Math.Abs(total - sumMu[level]) <= 1e-5 * Math.Max(1.0, total), $"level {level}: Σy {total}, Σμ {sumMu[level]}");
        }

        Assert.True(Math.Abs(scoreX) <= 1e-5 * scale, $"Σx(y − μ) = {scoreX}");
    }

    // Knuth's multiplication method: fine for the small rates here.
    private static int Poisson(Random rng, double rate)
    {
        double limit = Math.Exp(-rate);
        double product = rng.NextDouble();
        int k = 0;
        while (product > limit)
        {
            product *= rng.NextDouble();
            k++;
        }

        return k;
    }
}
