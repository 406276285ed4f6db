using Keel.Data;
using System.Globalization;
using Keel.Api;
using Keel.Pipeline;
using Keel.Results;
using Keel.Rows;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Rows;

/// <summary>What the row path promises besides the numbers: same bits for any row order, split and thread count; aliasing of covariates named before a number is printed; the cell path kept where rows compress.</summary>
public class RowPathBehaviourTests
{
    private static FitResult Fit(IReadOnlyList<string> inputs, string formula, int threads = 1) =>
        FitPipeline.Run(new FitOptions { Formula = formula, Inputs = inputs, Threads = threads }).Result;

    private static string Fingerprint(FitResult r) => Fingerprint_(r.Coefficients.Select(c => c.Estimate));

    private static string Fingerprint_(IEnumerable<double?> estimates) => Keel.Results.Fingerprint.Of(estimates);

    [Fact]
    public void Row_order_split_and_threads_change_no_bit()
    {
        const string formula = "y ~ x1 + x2 | a + b + c";
        using var ordered = new TempCsv(RowPathData.Csv(20_000, seed: 21));
        using var shuffled = new TempCsv(RowPathData.Csv(20_000, seed: 21, shuffleSeed: 5));
        string[] lines = File.ReadAllLines(shuffled.Path);
        using var firstHalf = new TempCsv(string.Join('\n', lines.Take(9_001)) + "\n");
        using var secondHalf = new TempCsv(lines[0] + "\n" + string.Join('\n', lines.Skip(9_001)) + "\n");
        FitResult reference = Fit([ordered.Path], formula);
        Assert.Equal("within", reference.SolverName);
        string expected = Fingerprint(reference);
        Assert.Equal(expected, Fingerprint(Fit([ordered.Path], formula, threads: 2)));
        Assert.Equal(expected, Fingerprint(Fit([shuffled.Path], formula, threads: 1)));
        Assert.Equal(expected, Fingerprint(Fit([shuffled.Path], formula, threads: 2)));
        Assert.Equal(expected, Fingerprint(Fit([secondHalf.Path, firstHalf.Path], formula, threads: 2)));
        Assert.Equal(reference.Coefficients.Single(c => c.Name == "x1").StdError, Fit([shuffled.Path], formula, threads: 2).Coefficients.Single(c => c.Name == "x1").StdError);

        // A change of one target in the 9th digit changes the fingerprint: the check can fail.
        string[] moved = File.ReadAllLines(ordered.Path);
        string[] fields = moved[100].Split(',');
        fields[0] = (double.Parse(fields[0], CultureInfo.InvariantCulture) * (1 + 1e-9)).ToString("R", CultureInfo.InvariantCulture);
        moved[100] = string.Join(',', fields);
        using var changed = new TempCsv(string.Join('\n', moved) + "\n");
        Assert.NotEqual(expected, Fingerprint(Fit([changed.Path], formula)));
    }

    [Fact]
    public void A_covariate_constant_within_a_factor_is_aliased_and_named()
    {
        // x3 is a function of a's level: a absorbs it exactly.
        using var data = new TempCsv(RowPathData.Csv(2000, seed: 22, x3: (a, _, _, _) => 0.125 * a));
        FitResult r = Fit([data.Path], "y ~ x1 + x3 + x2 | a + b");
        CoefficientResult x3 = r.Coefficients.Single(c => c.Name == "x3");
        Assert.Equal(CoefficientStatus.Aliased, x3.Status);
        Assert.Null(x3.Estimate);
        Assert.Contains("constant within each level of C(a)", x3.AliasExplanation, StringComparison.Ordinal);
        Assert.Contains(r.Warnings, w => w.Code == WarningCodes.Aliased);
        Assert.NotNull(r.Coefficients.Single(c => c.Name == "x2").StdError);
    }

    [Fact]
    public void A_covariate_that_is_a_sum_of_factor_effects_is_aliased()
    {
        // x3 = f(a) + g(b) is not constant within a or b, but the two factors absorb it.
        using var data = new TempCsv(RowPathData.Csv(2000, seed: 23, x3: (a, b, _, _) => (0.1 * a) + (0.3 * b)));
        FitResult r = Fit([data.Path], "y ~ x1 + x2 + x3 | a + b");
        CoefficientResult x3 = r.Coefficients.Single(c => c.Name == "x3");
        Assert.Equal(CoefficientStatus.Aliased, x3.Status);
        Assert.Contains("sum of effects of", x3.AliasExplanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_covariate_collinear_with_earlier_covariates_is_aliased_with_them()
    {
        using var data = new TempCsv(RowPathData.Csv(2000, seed: 24, x3: (_, _, x1, x2) => (2 * x1) - x2));
        FitResult r = Fit([data.Path], "y ~ x1 + x2 + x3 | a + b");
        CoefficientResult x3 = r.Coefficients.Single(c => c.Name == "x3");
        Assert.Equal(CoefficientStatus.Aliased, x3.Status);
        Assert.Equal(["x1", "x2"], x3.AliasedWith);
        Assert.NotNull(r.Coefficients.Single(c => c.Name == "x1").StdError);
    }

    [Fact]
    public void Rows_that_compress_stay_on_the_cell_path()
    {
        // x1 takes five values: cells repeat, the cell path is exact and fast there.
        using var data = new TempCsv(string.Join('\n', Enumerable.Range(0, 4000).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i % 7 + (i % 3)},{i % 5},f{i % 11}")).Prepend("y,x1,f")) + "\n");
        FitResult r = Fit([data.Path], "y ~ x1 | f");
        Assert.NotEqual("within", r.SolverName);
    }

    // Factors alone: g with up to `levels` levels (20,000 over 20,000 rows: 68% distinct in the first 16,384), h 30 levels, k 7.
    private static string FactorsOnly(int rows, int levels, int seed, int? shuffleSeed = null)
    {
        var random = new Random(seed);
        var lines = new List<string>(rows);
        var effect = Enumerable.Range(0, levels).Select(_ => random.NextDouble() * 2).ToArray();
        for (int i = 0; i < rows; i++)
        {
            int g = random.Next(levels), h = random.Next(30), k = random.Next(7);
            double y = effect[g] + (0.05 * h) - (0.1 * k) + random.NextDouble() - 0.5;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{Math.Round(y, 6):R},{g},{h},{k}"));
        }

        if (shuffleSeed is { } s)
        {
            ReproducibleRuns.Shuffle(lines, s);
        }

        return ReproducibleRuns.Csv("y,g,h,k", lines);
    }

    [Fact]
    public void Factors_alone_with_a_level_per_few_rows_take_the_row_path_and_agree_with_the_cells()
    {
        // The reference is the cell path on the same file (--solver lsmr keeps the cells): the same
        // rank, RSS and residual degrees of freedom, estimates to the two paths' iterative tolerances
        // (LSMR 1e-10 on the cells, the projection's 1e-12 here: the levels' values agree to about
        // 1e-8 of their spread, here to 1e-7 absolute), standard errors (both exact, from the levels'
        // Schur complement) to 1e-10. Row order and threads change no bit, as everywhere on the rows.
        const string formula = "y ~ C(g) + C(h) + C(k)";
        using var data = new TempCsv(FactorsOnly(20_000, 20_000, seed: 41));
        using var shuffled = new TempCsv(FactorsOnly(20_000, 20_000, seed: 41, shuffleSeed: 3));
        FitResult rows = Fit([data.Path], formula, threads: 2);
        FitResult cells = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], Solver = Keel.Solvers.SolverChoice.Lsmr, Threads = 2 }).Result;

        Assert.Equal("within", rows.SolverName);
        Assert.StartsWith("factors alone", rows.SolverReason, StringComparison.Ordinal);
        Assert.Equal("lsmr", cells.SolverName);
        Assert.Equal(cells.Rank, rows.Rank);
        Assert.Equal(cells.DfResidual, rows.DfResidual);
        Numeric.AssertClose(cells.Rss!.Value, rows.Rss!.Value, rel: 1e-10, what: "RSS");
        Assert.Equal(cells.Coefficients.Select(c => c.Name), rows.Coefficients.Select(c => c.Name));
        int withErrors = 0;
        for (int i = 0; i < cells.Coefficients.Count; i++)
        {
            CoefficientResult c = cells.Coefficients[i], r = rows.Coefficients[i];
            Assert.Equal(c.Status, r.Status);
            if (c.Estimate is { } e)
            {
                Assert.True(Math.Abs(e - r.Estimate!.Value) < 1e-7, $"{c.Name}: {e} against {r.Estimate}");
            }

            if (c.StdError is { } se && r.StdError is { } sr)
            {
                Numeric.AssertClose(se, sr, rel: 1e-10, what: $"std. error of {c.Name}");
                withErrors++;
            }
        }

        Assert.Equal(cells.Coefficients.Count(c => c.StdError is not null), withErrors);
        Assert.Equal(Fingerprint(rows), Fingerprint(Fit([shuffled.Path], formula, threads: 1)));
    }

    [Fact]
    public void Factors_alone_whose_levels_recur_but_rows_do_not_take_the_row_path_with_everything_the_cells_give()
    {
        // p1's case (the benchmarks' 2M-row shape, scaled down): four factors of skewed levels that
        // recur, rows mostly distinct. The row path forms the further levels' Schur complement once
        // (FactorRank.Prepare) and from it gives what the cells give; the reference is the cell path
        // on the same file (--solver lsmr). Tolerances: the same rank, df, cells and replicated cells
        // (integers); estimates to 1e-8 absolute (the cells' LSMR stops at 1e-10 of the residual norm
        // and the design's condition number is near 10, so the levels agree to ~1e-9); standard errors,
        // both exact from Schur complements of the same Gram matrix formed in different orders, to
        // 1e-10 relative; RSS and the pure error (sums of 40,000 squares, cells' in double-double,
        // rows' two-pass per cell) to 1e-10; the condition numbers, both 20-step Lanczos estimates
        // through an exact inverse of the same scaled Gram matrix from the same start, to 1e-6.
        const string formula = "y ~ C(a) + C(b) + C(c) + C(d)";
        using var data = new TempCsv(RecurringLevels(40_000, seed: 51));
        using var shuffled = new TempCsv(RecurringLevels(40_000, seed: 51, shuffleSeed: 5));
        FitResult rows = Fit([data.Path], formula, threads: 2);
        FitResult cells = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], Solver = Keel.Solvers.SolverChoice.Lsmr, Threads = 2 }).Result;

        Assert.Equal("within", rows.SolverName);
        Assert.Contains("preconditioned by the exact Cholesky factor", rows.SolverReason, StringComparison.Ordinal);
        Assert.Equal(cells.Rank, rows.Rank);
        Assert.Equal(cells.DfResidual, rows.DfResidual);
        Assert.Equal(cells.Cells, rows.Cells);
        Assert.True(rows.Cells < 40_000, "some rows must repeat for the lack-of-fit test");
        Assert.Equal(cells.CellsWithReplicates, rows.CellsWithReplicates);
        Numeric.AssertClose(cells.Rss!.Value, rows.Rss!.Value, rel: 1e-10, what: "RSS");
        Numeric.AssertClose(cells.PureErrorSs!.Value, rows.PureErrorSs!.Value, rel: 1e-10, what: "pure error");
        Numeric.AssertClose(cells.LackOfFit!.F, rows.LackOfFit!.F, rel: 1e-8, what: "lack-of-fit F");
        Assert.Equal(cells.LackOfFit.Df1, rows.LackOfFit.Df1);
        Numeric.AssertClose(cells.ConditionNumber!.Value, rows.ConditionNumber!.Value, rel: 1e-6, what: "condition number");
        Assert.Contains("exact block Cholesky factor", rows.ConditionMethod, StringComparison.Ordinal);
        Assert.Equal(cells.Coefficients.Select(c => c.Name), rows.Coefficients.Select(c => c.Name));
        int withErrors = 0;
        for (int i = 0; i < cells.Coefficients.Count; i++)
        {
            CoefficientResult c = cells.Coefficients[i], r = rows.Coefficients[i];
            Assert.Equal(c.Status, r.Status);
            if (c.Estimate is { } e)
            {
                Assert.True(Math.Abs(e - r.Estimate!.Value) < 1e-8, $"{c.Name}: {e} against {r.Estimate}");
            }

            Assert.Equal(c.StdError is null, r.StdError is null);
            if (c.StdError is { } se)
            {
                Numeric.AssertClose(se, r.StdError!.Value, rel: 1e-10, what: $"std. error of {c.Name}");
                withErrors++;
            }
        }

        Assert.Equal(cells.Coefficients.Count - 4, withErrors);  // every coefficient but the four references
        Assert.DoesNotContain(rows.Warnings, w => w.Code == WarningCodes.StandardErrorsUnavailable);
        Assert.Equal(Fingerprint(rows), Fingerprint(Fit([shuffled.Path], formula, threads: 1)));
    }

    [Fact]
    public void Factors_alone_in_two_disconnected_blocks_keep_every_identified_levels_error_on_the_row_path()
    {
        // Two factors whose levels fall into two blocks that never meet: one level of v is aliased
        // (the second block's offset is not identified against the intercept). The row path's factor
        // of S deletes that column and the levels' variances are those of the kept design, as the
        // cells give them (R's lm with the aliased coefficient NA). Reference: the cell path on the
        // same file; estimates to 1e-8 (LSMR's 1e-10 times a condition number near 250), standard
        // errors (both exact) to 1e-10, the same statuses and the same coefficients without an error.
        const string formula = "y ~ C(u) + C(v)";
        var random = new Random(7);
        var lines = new List<string>();
        for (int i = 0; i < 30_000; i++)
        {
            int block = random.Next(2), u = random.Next(3_000) + (3_000 * block), v = random.Next(20) + (20 * block);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{Math.Round((0.001 * u) + (0.05 * v) + random.NextDouble() - 0.5, 6):R},{u},{v}"));
        }

        using var data = new TempCsv(ReproducibleRuns.Csv("y,u,v", lines));
        FitResult rows = Fit([data.Path], formula, threads: 2);
        FitResult cells = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], Solver = Keel.Solvers.SolverChoice.Lsmr, Threads = 2 }).Result;
        Assert.Equal("within", rows.SolverName);
        Assert.Contains(rows.Coefficients, c => c.Status == CoefficientStatus.Aliased);
        Assert.DoesNotContain(rows.Warnings, w => w.Code == WarningCodes.StandardErrorsUnavailable);
        Assert.Equal(cells.DfResidual, rows.DfResidual);
        for (int i = 0; i < cells.Coefficients.Count; i++)
        {
            CoefficientResult c = cells.Coefficients[i], r = rows.Coefficients[i];
            Assert.Equal(c.Name, r.Name);
            Assert.Equal(c.Status, r.Status);
            Assert.Equal(c.StdError is null, r.StdError is null);
            if (c.Estimate is { } e)
            {
                Assert.True(Math.Abs(e - r.Estimate!.Value) < 1e-8, $"{c.Name}: {e} against {r.Estimate}");
            }

            if (c.StdError is { } se)
            {
                Numeric.AssertClose(se, r.StdError!.Value, rel: 1e-10, what: $"std. error of {c.Name}");
            }
        }
    }

    // Four factors of Zipf-like skewed levels (1,000, 60, 12 and 5), the way gen_onehot.py draws them.
    internal static string RecurringLevels(int rows, int seed, int? shuffleSeed = null)
    {
        var random = new Random(seed);
        int[] levels = [1_000, 60, 12, 5];
        double[][] cumulative = levels.Select(l =>
        {
            double[] weight = Enumerable.Range(1, l).Select(k => 1.0 / Math.Pow(k, 1.1)).ToArray();
            double total = weight.Sum(), running = 0;
            return weight.Select(w => (running += w) / total).ToArray();
        }).ToArray();
        double[][] effect = levels.Select(l => Enumerable.Range(0, l).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        var lines = new List<string>(rows);
        for (int i = 0; i < rows; i++)
        {
            var code = new int[4];
            double y = 3.0;
            for (int f = 0; f < 4; f++)
            {
                double u = random.NextDouble();
                code[f] = Math.Min(levels[f] - 1, Array.FindIndex(cumulative[f], c => c >= u) is int at && at >= 0 ? at : levels[f] - 1);
                y += effect[f][code[f]];
            }

            y += 0.3 * (random.NextDouble() - 0.5);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{Math.Round(y, 6):R},{code[0]},{code[1]},{code[2]},{code[3]}"));
        }

        if (shuffleSeed is { } s)
        {
            ReproducibleRuns.Shuffle(lines, s);
        }

        return ReproducibleRuns.Csv("y,a,b,c,d", lines);
    }

    [Fact]
    public void Factors_alone_whose_rows_repeat_or_few_rows_stay_on_the_cells()
    {
        // 20 × 30 × 7 combinations over 20,000 rows: a fifth of the sampled rows distinct, the rows compress.
        using var repeating = new TempCsv(FactorsOnly(20_000, 20, seed: 42));
        Assert.NotEqual("within", Fit([repeating.Path], "y ~ C(g) + C(h) + C(k)").SolverName);

        // A level per two rows but fewer rows than the sample: small data stay on the cells.
        using var small = new TempCsv(FactorsOnly(10_000, 5_000, seed: 43));
        Assert.NotEqual("within", Fit([small.Path], "y ~ C(g) + C(h) + C(k)").SolverName);

        // The same shape as a likelihood fit: factors alone never leave the cells there.
        string counts = string.Join('\n', FactorsOnly(20_000, 20_000, seed: 44).Split('\n').Select((line, i) => i == 0 || line.Length == 0 ? line : (i % 4) + line[line.IndexOf(',', StringComparison.Ordinal)..]));
        using var large = new TempCsv(counts);
        var poisson = FitPipeline.Run(new FitOptions { Formula = "y ~ C(h) + C(g)", Inputs = [large.Path], Family = Keel.Solvers.Glm.GlmFamily.Poisson }).Result;
        Assert.NotEqual("within", poisson.SolverName);
    }

    [Fact]
    public void Number_fields_parse_to_the_bits_of_double_Parse()
    {
        var random = new Random(31);
        var texts = new List<string> { "0", "-0", "+1.5", "1e22", "1e-22", "9007199254740993", "0.30000000000000004", "123456789012345678", "1.7976931348623157e308", "5e-324", ".5", "5.", "-.0e0", "1_0", "", "-", "e5", "1e", "0x10", " 1" };
        for (int i = 0; i < 200_000; i++)
        {
            double v = random.Next(4) switch
            {
                0 => random.NextDouble(),
                1 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-25, 25)),
                2 => BitConverter.Int64BitsToDouble((long)(random.NextDouble() * long.MaxValue)),
                _ => Math.Round(random.NextDouble() * 1000, random.Next(0, 10)),
            };
            texts.Add(v.ToString(random.Next(3) switch { 0 => "R", 1 => "G17", _ => "E16" }, CultureInfo.InvariantCulture));
            texts.Add(string.Create(CultureInfo.InvariantCulture, $"{random.Next(0, 1000)}.{random.NextInt64(0, 1_000_000_000_000_000_000):D18}"));
        }

        foreach (string text in texts)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
            bool expectedOk = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double expected);
            bool ok = Utf8Number.TryParse(bytes, out double actual);
            Assert.True(expectedOk == ok, $"'{text}': parsed {ok}, double.Parse {expectedOk}");
            if (ok)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"'{text}': {actual:R}, double.Parse {expected:R}");
            }
        }
    }
}
