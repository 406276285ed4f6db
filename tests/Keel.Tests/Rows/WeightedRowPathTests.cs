using System.Globalization;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Rows;

/// <summary>
/// --weights on the row path (RowGlm.FitWeightedLeastSquares) against fixest 0.12.2 (feols with
/// weights = ~w, fixef.tol 3e-12) and R's weighted lm + sandwich on the full dummy model, on fe5k.csv
/// with the weights w_i = 0.5 + (i mod 37)/12 (i from 0), as fixest_weighted_reference.R beside this
/// file computes and prints them. Tolerances as FixestReferenceTests: both sides converge the
/// absorbed factors to about 1e-12 and the covariates' system is well conditioned (κ ≈ 1.1), so
/// estimates agree to 1e-10 and standard errors to 1e-9; the level effects, solved by conjugate
/// gradients to the projection's tolerance, to 1e-8.
/// </summary>
public class WeightedRowPathTests
{
    private const string Formula = "ln_y ~ X1 + X2 | dum_1 + dum_2 + dum_3";

    private static string WeightedCopy(Func<string[], IEnumerable<string>>? reorder = null)
    {
        string[] lines = File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "fe5k.csv"));
        var rows = lines.Skip(1).Select((line, i) => line + "," + (0.5 + ((i % 37) / 12.0)).ToString("R", CultureInfo.InvariantCulture)).ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, [lines[0] + ",w", .. reorder is null ? rows : reorder(rows)]);
        return path;
    }

    private static FitResult Fit(string data, string? se = null, string? cluster = null, bool fixest = false, int threads = 2)
    {
        string[] clusters = cluster?.Split(',') ?? [];
        return FitPipeline.Run(new FitOptions
        {
            Formula = Formula,
            Inputs = [data],
            WeightColumn = "w",
            StandardErrors = se == "hc1" ? StandardErrorKind.Hc1 : StandardErrorKind.Classical,
            ClusterColumn = clusters.FirstOrDefault(),
            SecondClusterColumn = clusters.Length > 1 ? clusters[1] : null,
            SmallSample = fixest ? SmallSampleConvention.Fixest : SmallSampleConvention.Sandwich,
            Threads = threads,
        }).Result;
    }

    private static double Estimate(FitResult r, string name) => r.Coefficients.Single(c => c.Name == name).Estimate!.Value;

    private static double StdError(FitResult r, string name) => r.Coefficients.Single(c => c.Name == name).StdError!.Value;

    [Theory]
    // fixest: se(m, vcov = "iid"), "hetero", cluster = ~dum_2 (fixef.K = "nested"), ~dum_2 + dum_3
    [InlineData(null, null, true, 0.013278815135444842, 0.013373100510846985)]
    [InlineData("hc1", null, true, 0.016357498319895518, 0.014085619673726003)]
    [InlineData(null, "dum_2", true, 0.024000738350258091, 0.014532346747866744)]
    [InlineData(null, "dum_2,dum_3", true, 0.039904763438822259, 0.021448935902226123)]
    // R's weighted lm: summary()'s classical errors; sandwich's vcovHC(type = "HC1"), vcovCL(cluster = ~dum_2, type = "HC1")
    [InlineData(null, null, false, 0.013278815135444854, 0.013373100510847011)]
    [InlineData("hc1", null, false, 0.016357498319895719, 0.014085619673725921)]
    [InlineData(null, "dum_2", false, 0.024177622019261300, 0.014639449070074226)]
    public void Weighted_estimates_and_standard_errors_equal_the_named_peer(string? se, string? cluster, bool fixest, double x1, double x2)
    {
        string data = WeightedCopy();
        try
        {
            FitResult r = Fit(data, se, cluster, fixest);
            Assert.Equal("within", r.SolverName);
            Numeric.AssertClose(0.40787261690277876, Estimate(r, "X1"), rel: 1e-10, what: "X1");
            Numeric.AssertClose(0.11232305339830352, Estimate(r, "X2"), rel: 1e-10, what: "X2");
            Numeric.AssertClose(x1, StdError(r, "X1"), rel: 1e-9, what: "std. error of X1");
            Numeric.AssertClose(x2, StdError(r, "X2"), rel: 1e-9, what: "std. error of X2");
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Fact]
    public void Weighted_fit_statistics_and_level_effects_equal_weighted_lm()
    {
        string data = WeightedCopy();
        try
        {
            FitResult r = Fit(data);
            // summary(lm(..., weights = w)): sigma, r.squared; deviance() = Σw·e².
            Numeric.AssertClose(1.29459866077174612, r.Sigma!.Value, rel: 1e-10, what: "sigma");
            Numeric.AssertClose(0.51321060335503876, r.RSquared!.Value, rel: 1e-10, what: "R²");
            Numeric.AssertClose(7816.79726968940212828, r.Rss!.Value, rel: 1e-10, what: "RSS = Σw·e²");
            double[] lmDum3 = [-0.619500659778478346, 0.536433389927868154, -0.271745774666280970, 0.326421671702199545, -0.846215532304787188, -0.353296629492820535, 0.688825720492180604, -0.084848895532072088, -0.586383265320805536, -0.391979112467608914, -0.751093367431227898, -0.603283781793646723, -0.555856497441687303, -0.804061284998186188, -0.318906204702026630];
            double[] keel = r.Coefficients.Where(c => c.Term == "C(dum_3)" && c.Status == CoefficientStatus.Estimated).Select(c => c.Estimate!.Value).ToArray();
            Numeric.AssertClose(lmDum3, keel, rel: 1e-8, abs: 1e-9, what: "dum_3's level effects");
            Assert.Contains("weighted by w", r.SolverReason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Fact]
    public void Same_bits_for_any_row_order_and_thread_count()
    {
        string data = WeightedCopy();
        string reversed = WeightedCopy(rows => rows.Reverse());
        try
        {
            FitResult a = Fit(data, threads: 1);
            FitResult b = Fit(reversed, threads: 2);
            // The result names its thread count; everything else must be the same bits.
            Assert.Equal(CsvFit.StrictJson(a with { Threads = 2 }), CsvFit.StrictJson(b));
        }
        finally
        {
            File.Delete(data);
            File.Delete(reversed);
        }
    }

    [Fact]
    public void Unit_weights_give_the_unweighted_fit()
    {
        // Weights all 1 are the unweighted model: the weighted step's route (weighted projection,
        // QR of √w·X̃) agrees with the unweighted one to the projection's convergence.
        string[] lines = File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "fe5k.csv"));
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, [lines[0] + ",w", .. lines.Skip(1).Select(l => l + ",1")]);
        try
        {
            FitResult weighted = Fit(path);
            FitResult plain = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [path], Threads = 2 }).Result;
            foreach (string name in new[] { "X1", "X2" })
            {
                Numeric.AssertClose(Estimate(plain, name), Estimate(weighted, name), rel: 1e-10, what: name);
                Numeric.AssertClose(StdError(plain, name), StdError(weighted, name), rel: 1e-9, what: $"std. error of {name}");
            }

            Numeric.AssertClose(plain.Rss!.Value, weighted.Rss!.Value, rel: 1e-10, what: "RSS");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Rows_of_weight_zero_are_left_out_on_the_row_path_as_if_deleted()
    {
        // Every 50th row gets weight 0, and row 3's dum_1 level occurs in no other row (its code made
        // unique), so that level goes with it. The reference is the file without those rows: the
        // same rows in canonical order, so the same bits; and the cells (--solver qr on the same
        // file, R's lm semantics: a zero weight does not count, not even in the degrees of freedom),
        // to the tolerances of this file's header.
        static bool Zero(int i) => i % 50 == 3;
        string WithWeight(string row, int i) => Zero(i) ? row[..row.LastIndexOf(',')] + ",0" : row;
        string[] header = File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "fe5k.csv"))[0].Split(',');
        int dum1 = Array.IndexOf(header, "dum_1");
        string UniqueLevel(string row, int i)
        {
            if (i != 3)
            {
                return row;
            }

            string[] fields = row.Split(',');
            fields[dum1] = "987654";
            return string.Join(',', fields);
        }

        string zeroed = WeightedCopy(rows => rows.Select(UniqueLevel).Select(WithWeight));
        string deleted = WeightedCopy(rows => rows.Select(UniqueLevel).Where((_, i) => !Zero(i)));
        try
        {
            FitResult r = Fit(zeroed);
            FitResult without = Fit(deleted);
            FitResult cells = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [zeroed], WeightColumn = "w", Solver = Keel.Solvers.SolverChoice.Qr }).Result;

            Assert.Equal("within", r.SolverName);
            FitWarning warning = Assert.Single(r.Warnings, w => w.Code == WarningCodes.ZeroWeightRows);
            Assert.Equal(cells.Warnings.Single(w => w.Code == WarningCodes.ZeroWeightRows).Message, warning.Message);
            Assert.StartsWith("100 rows", warning.Message, StringComparison.Ordinal);
            Assert.Equal(without.Rows, r.Rows);
            Assert.Equal(cells.Rows, r.Rows);
            Assert.Equal(cells.DfResidual, r.DfResidual);
            Assert.DoesNotContain(r.Coefficients, c => c.Level == "987654");
            Assert.Equal(without.Coefficients.Count, r.Coefficients.Count);
            for (int i = 0; i < r.Coefficients.Count; i++)
            {
                Assert.Equal(without.Coefficients[i].Name, r.Coefficients[i].Name);
                Assert.Equal(without.Coefficients[i].Estimate, r.Coefficients[i].Estimate);
                Assert.Equal(without.Coefficients[i].StdError, r.Coefficients[i].StdError);
            }

            Assert.Equal(without.Rss, r.Rss);
            foreach (string name in new[] { "X1", "X2" })
            {
                Numeric.AssertClose(Estimate(cells, name), Estimate(r, name), rel: 1e-10, what: name);
                Numeric.AssertClose(StdError(cells, name), StdError(r, name), rel: 1e-9, what: $"std. error of {name}");
            }
        }
        finally
        {
            File.Delete(zeroed);
            File.Delete(deleted);
        }
    }

    [Fact]
    public void A_negative_weight_sends_the_fit_to_the_cells_which_name_its_row()
    {
        string data = WeightedCopy(rows => rows.Select((row, i) => i == 10 ? row[..row.LastIndexOf(',')] + ",-1" : row));
        try
        {
            var e = Assert.Throws<Keel.KeelInputException>(() => Fit(data));
            Assert.Contains("12", e.Message, StringComparison.Ordinal);  // data row 10 is line 12
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Fact]
    public void The_weighted_condition_estimate_is_a_lower_bound_within_2x_of_the_exact_value()
    {
        // As RowPathConditionTests, for √W·X: the exact value is the dense path's Jacobi SVD of R of
        // the weighted dummy design (--solver qr with the same weights, on the cells).
        string data = WeightedCopy();
        try
        {
            FitResult rows = Fit(data);
            FitResult qr = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [data], WeightColumn = "w", Solver = Keel.Solvers.SolverChoice.Qr }).Result;
            Assert.StartsWith("exact", qr.ConditionMethod, StringComparison.Ordinal);
            Assert.StartsWith("estimate, a lower bound only", rows.ConditionMethod, StringComparison.Ordinal);
            double exact = qr.ConditionNumber!.Value;
            double estimate = rows.ConditionNumber!.Value;
            Assert.True(estimate <= exact * (1 + 1e-9), $"estimate {estimate} above the exact {exact}");
            Assert.True(estimate >= exact / 2, $"estimate {estimate} more than 2x below the exact {exact}");
            // The weights change the conditioning: the unweighted design's estimate is another number.
            FitResult plain = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [data], Threads = 2 }).Result;
            Assert.NotEqual(plain.ConditionNumber, rows.ConditionNumber);
        }
        finally
        {
            File.Delete(data);
        }
    }
}
