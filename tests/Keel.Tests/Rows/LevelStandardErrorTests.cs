using System.Globalization;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Rows;

/// <summary>
/// The row path's classical standard errors of the intercept and of every level (LevelVariances:
/// the absorbed Gram matrix with each row a cell), against R's lm on the full dummy model of
/// fe5k.csv, unweighted and weighted (lm_levels_reference.R and its CSV beside this file). The
/// Schur complement has 87 columns and a condition number about 10²; both sides work in double
/// (Keel's Cholesky, lm's QR), so 1e-9 leaves a margin of 10⁴ over either's rounding.
/// </summary>
public class LevelStandardErrorTests
{
    private const string Formula = "ln_y ~ X1 + X2 | dum_1 + dum_2 + dum_3";

    private static string Fe5k => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "fe5k.csv");

    private static Dictionary<string, (double Plain, double Weighted)> Reference() =>
        File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "lm_levels_reference.csv"))
            .Skip(1)
            .Select(line => line.Split(','))
            .ToDictionary(f => f[0], f => (double.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_coefficient_has_the_standard_error_of_lm_on_the_dummy_model(bool weighted)
    {
        string data = Fe5k;
        string? copy = null;
        if (weighted)
        {
            string[] lines = File.ReadAllLines(Fe5k);
            copy = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
            File.WriteAllLines(copy, [lines[0] + ",w", .. lines.Skip(1).Select((l, i) => l + "," + (0.5 + ((i % 37) / 12.0)).ToString("R", CultureInfo.InvariantCulture))]);
            data = copy;
        }

        try
        {
            FitResult r = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [data], WeightColumn = weighted ? "w" : null, Threads = 2 }).Result;
            Assert.Equal("within", r.SolverName);
            var reference = Reference();
            int compared = 0;
            foreach (CoefficientResult c in r.Coefficients.Where(c => c.Status == CoefficientStatus.Estimated))
            {
                (double plain, double withWeights) = reference[c.Name];
                Numeric.AssertClose(weighted ? withWeights : plain, c.StdError!.Value, rel: 1e-9, what: $"std. error of {c.Name}");
                compared++;
            }

            Assert.Equal(reference.Count, compared);  // the intercept, X1, X2 and every non-reference level
            Assert.DoesNotContain(r.Warnings, w => w.Code == WarningCodes.StandardErrorsUnavailable);
        }
        finally
        {
            if (copy is not null)
            {
                File.Delete(copy);
            }
        }
    }

    [Fact]
    public void Every_standard_error_has_the_same_bits_for_one_to_four_threads()
    {
        // S's rows are shared among the threads (each entry summed by one owner, in row order), so
        // one, two, three and four owners split S differently and must give identical errors.
        double?[] StdErrors(int threads) => [.. FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [Fe5k], Threads = threads }).Result.Coefficients.Select(c => c.StdError)];
        double?[] one = StdErrors(1);
        Assert.Contains(one, e => e is not null);
        foreach (int threads in new[] { 2, 3, 4 })
        {
            double?[] other = StdErrors(threads);
            Assert.Equal(one.Length, other.Length);
            for (int i = 0; i < one.Length; i++)
            {
                Assert.Equal(one[i] is { } a ? BitConverter.DoubleToInt64Bits(a) : (long?)null, other[i] is { } b ? BitConverter.DoubleToInt64Bits(b) : (long?)null);
            }
        }
    }

    [Fact]
    public void Robust_errors_leave_the_levels_without_and_say_why()
    {
        FitResult r = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [Fe5k], StandardErrors = StandardErrorKind.Hc1, Threads = 2 }).Result;
        Assert.NotNull(r.Coefficients.Single(c => c.Name == "X1").StdError);
        Assert.All(r.Coefficients.Where(c => c.Level is not null), c => Assert.Null(c.StdError));
        Assert.Contains(r.Warnings, w => w.Code == WarningCodes.StandardErrorsUnavailable && w.Message.Contains("robust", StringComparison.Ordinal));
    }

    [Fact]
    public void Beyond_the_affordable_size_the_levels_have_none_and_the_warning_gives_the_size()
    {
        // 1,600 levels of the second factor: a 1 + 1 + 1,599 = 1,601-column Schur complement, above MaxRestColumns.
        var lines = new List<string> { "y,x,a,b" };
        var rng = new Random(3);
        for (int i = 0; i < 20_000; i++)
        {
            lines.Add(FormattableString.Invariant($"{rng.NextDouble()},{rng.NextDouble()},a{rng.Next(3000)},b{i % 1600}"));
        }

        using var data = new TempCsv(string.Join('\n', lines) + "\n");
        FitResult r = FitPipeline.Run(new FitOptions { Formula = "y ~ x | a + b", Inputs = [data.Path], Threads = 2 }).Result;
        Assert.Equal("within", r.SolverName);
        Assert.NotNull(r.Coefficients.Single(c => c.Name == "x").StdError);
        Assert.All(r.Coefficients.Where(c => c.Level is not null), c => Assert.Null(c.StdError));
        Assert.Contains(r.Warnings, w => w.Code == WarningCodes.StandardErrorsUnavailable && w.Message.Contains("1601-column", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Poisson_on_rows_every_coefficient_equals_glm_on_the_dummy_model()
    {
        // 800,000 rows, 50 + 20 levels and x: 800,000 cells × 70 columns, beyond the dense limits, so
        // the row path's IRLS fits it; its levels' errors are (X'ΩX)⁻¹ at the estimates (dispersion 1).
        // R's glm (epsilon 1e-12) against Keel's IRLS (1e-8 on the deviance's change): estimates to
        // 1e-8, standard errors to 1e-6, as RowGlmTests.
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.WriteLine("y,x,a,b");
            for (long i = 0; i < 800_000; i++)
            {
                long a = (7919 * i) % 50, b = (i / 50) % 20;
                double x = ((7 * i) % 99991) / 99991.0;
                writer.WriteLine(FormattableString.Invariant($"{1 + ((31 * i) % 11) + (a % 3) + (b % 2)},{x:R},a{a},b{b}"));
            }
        }

        try
        {
            FitResult r = FitPipeline.Run(new FitOptions { Formula = "y ~ x | a + b", Inputs = [path], Family = Keel.Solvers.Glm.GlmFamily.Poisson, Threads = 2 }).Result;
            Assert.Equal("within", r.SolverName);
            var reference = File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "glm_levels_reference.csv"))
                .Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => (Estimate: double.Parse(f[1], CultureInfo.InvariantCulture), Se: double.Parse(f[2], CultureInfo.InvariantCulture)));
            int compared = 0;
            foreach (CoefficientResult c in r.Coefficients.Where(c => c.Status == CoefficientStatus.Estimated))
            {
                (double estimate, double se) = reference[c.Name];
                Numeric.AssertClose(estimate, c.Estimate!.Value, rel: 1e-8, abs: 1e-10, what: c.Name);
                Numeric.AssertClose(se, c.StdError!.Value, rel: 1e-6, what: $"std. error of {c.Name}");
                compared++;
            }

            Assert.Equal(reference.Count, compared);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
