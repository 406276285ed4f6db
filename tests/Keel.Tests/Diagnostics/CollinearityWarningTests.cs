using System.Globalization;
using System.Text;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Diagnostics;

/// <summary>
/// COLLINEAR (issue 18): Belsley's harmful near-dependencies as warnings. Every case is checked
/// against Belsley's table computed independently here, by MathNet's SVD of the materialised row
/// design scaled to unit-length columns (the cells design has the same Gram matrix, so the same table).
/// </summary>
public class CollinearityWarningTests
{
    private static FitResult Fit(string csv, string formula) => CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [] }).Result;

    /// <summary>Condition indexes (descending singular values) and proportions pi[j, k] of the unit-length columns of X.</summary>
    private static (double[] Indexes, Matrix<double> Proportions) Belsley(Matrix<double> x)
    {
        x = x.Clone();
        for (int j = 0; j < x.ColumnCount; j++)
        {
            x.SetColumn(j, x.Column(j) / x.Column(j).L2Norm());
        }

        var svd = x.Svd(computeVectors: true);
        double[] s = svd.S.ToArray();
        var v = svd.VT.Transpose();
        var pi = Matrix<double>.Build.Dense(s.Length, s.Length, (j, k) => Math.Pow(v[k, j] / s[j], 2));
        for (int k = 0; k < s.Length; k++)
        {
            double total = pi.Column(k).Sum();
            pi.SetColumn(k, pi.Column(k) / total);
        }

        return (s.Select(sj => s[0] / sj).ToArray(), pi);
    }

    private static List<FitWarning> Collinear(FitResult fit) => fit.Warnings.Where(w => w.Code == WarningCodes.Collinear).ToList();

    [Fact]
    public void Two_nearly_collinear_numeric_columns_get_one_warning_naming_both_and_not_the_third()
    {
        var rng = new Random(18);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            double x1 = rng.NextDouble();
            double x2 = x1 + (1e-4 * (rng.NextDouble() - 0.5));
            double x3 = rng.NextDouble();
            return (x1, x2, x3, y: x1 + x2 - x3 + rng.NextDouble());
        }).ToList();
        string csv = "x1,x2,x3,y\n" + string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.x1:R},{r.x2:R},{r.x3:R},{r.y:R}\n")));
        FitResult fit = Fit(csv, "y ~ x1 + x2 + x3");

        var design = Matrix<double>.Build.Dense(rows.Count, 4, (i, j) => j switch { 0 => 1, 1 => rows[i].x1, 2 => rows[i].x2, _ => rows[i].x3 });
        (double[] eta, Matrix<double> pi) = Belsley(design);
        // Independently: exactly one index ≥ 30, dominating x1 and x2 only.
        Assert.Equal(1, eta.Count(e => e >= 30));
        Assert.True(pi[3, 1] >= 0.5 && pi[3, 2] >= 0.5 && pi[3, 0] < 0.5 && pi[3, 3] < 0.5);

        var near = Assert.Single(fit.NearDependencies);
        // MathNet's smallest singular value has relative error about κ·u ≈ 1e4·2e-16 (so does Keel's
        // Jacobi SVD, at least as accurate): 1e-6 leaves room for neither being exact.
        Numeric.AssertClose(eta[3], near.Index, 1e-6, what: "condition index");
        Assert.Equal(["x1", "x2"], near.Involved.Select(i => i.Name).ToArray());

        FitWarning warning = Assert.Single(Collinear(fit));
        Assert.Contains("x1 and x2 are nearly collinear", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("x3", warning.Message, StringComparison.Ordinal);
        Assert.Contains("drop one", warning.Message, StringComparison.Ordinal);
        // Below ILL_CONDITIONED's threshold: before COLLINEAR, this case raised no warning at all.
        Assert.DoesNotContain(fit.Warnings, w => w.Code == WarningCodes.IllConditioned);
    }

    private static (string Csv, List<(int Level, double Year)> Rows) RareReferenceData(int seed)
    {
        var rng = new Random(seed);
        // Level G0 (the reference: first in canonical order) has 3 rows; G1..G9 about 110 each.
        var rows = Enumerable.Range(0, 3).Select(_ => (Level: 0, Year: (double)rng.Next(2000, 2021)))
            .Concat(Enumerable.Range(0, 1000).Select(_ => (Level: 1 + rng.Next(9), Year: (double)rng.Next(2000, 2021)))).ToList();
        var csv = new StringBuilder("g,year,y\n");
        foreach (var (level, year) in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"G{level},{year},{rng.NextDouble():R}\n");
        }

        return (csv.ToString(), rows);
    }

    private static Matrix<double> FactorDesign(List<(int Level, double Year)> rows, int reference, bool withYear) =>
        Matrix<double>.Build.Dense(rows.Count, withYear ? 11 : 10, (i, j) =>
        {
            if (j == 0)
            {
                return 1;
            }

            if (j == 10)
            {
                return rows[i].Year;
            }

            int level = j <= reference ? j - 1 : j; // the 9 non-reference levels in order
            return rows[i].Level == level ? 1 : 0;
        });

    [Fact]
    public void A_rare_reference_level_gets_one_warning_naming_a_frequent_level_to_use_instead()
    {
        (string csv, var rows) = RareReferenceData(19);
        FitResult fit = Fit(csv, "y ~ g");

        (double[] eta, Matrix<double> pi) = Belsley(FactorDesign(rows, reference: 0, withYear: false));
        Assert.True(eta[^1] >= 30, $"the case is meant to cross Belsley's 30; independent index {eta[^1]}");
        Assert.All(Enumerable.Range(0, 10), k => Assert.True(pi[9, k] >= 0.5));
        Numeric.AssertClose(eta[^1], Assert.Single(fit.NearDependencies).Index, 1e-8, what: "condition index");

        string mostFrequent = "G" + rows.GroupBy(r => r.Level).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        FitWarning warning = Assert.Single(Collinear(fit));
        Assert.Contains("(Intercept) and 9 levels of g", warning.Message, StringComparison.Ordinal);
        Assert.Contains("g[G0] has only 3 of 1,003 rows", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"C(g, ref=\"{mostFrequent}\")", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Following_the_advice_removes_the_warning_and_the_near_dependency()
    {
        (string csv, var rows) = RareReferenceData(19);
        int mostFrequent = rows.GroupBy(r => r.Level).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        FitResult fit = Fit(csv, $"y ~ C(g, ref=\"G{mostFrequent}\")");

        (double[] eta, _) = Belsley(FactorDesign(rows, reference: mostFrequent, withYear: false));
        Assert.True(eta[^1] < 30, $"independent largest index {eta[^1]}");
        Numeric.AssertClose(eta[^1], fit.ConditionNumber!.Value, 1e-8, what: "condition number");
        Assert.Empty(fit.NearDependencies);
        Assert.Empty(Collinear(fit));
    }

    [Fact]
    public void The_intercept_and_one_covariate_far_from_zero_are_listed_but_not_warned_about()
    {
        // year = 2000..2020: Belsley's table has an index in the hundreds on (Intercept) and year,
        // but centring year would leave its slope and standard error unchanged (refinement 1).
        (string csv, var rows) = RareReferenceData(20);
        FitResult fit = Fit(csv, "y ~ g + year");

        (double[] eta, Matrix<double> pi) = Belsley(FactorDesign(rows, reference: 0, withYear: true));
        Assert.Equal(2, eta.Count(e => e >= 30));
        Assert.True(pi[10, 0] >= 0.5 && pi[10, 10] >= 0.5, "the largest index is the intercept's and year's");
        Assert.Equal(2, fit.NearDependencies.Count);
        Assert.Contains(fit.NearDependencies, d => d.Involved.Select(i => i.Name).SequenceEqual(["(Intercept)", "year"]));

        // One warning, for the rare reference (whose dependency here leaves the intercept to year's).
        FitWarning warning = Assert.Single(Collinear(fit));
        Assert.StartsWith("9 levels of g are nearly collinear", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("year", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bundled_example_stays_quiet()
    {
        string data = Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");
        FitResult fit = FitPipeline.Run(new FitOptions { Formula = "log(revenue) ~ region + city + product + C(month) + discount", Inputs = [data] }).Result;
        // Its scaled condition number (18.8, from the dense path's Jacobi SVD) bounds every condition index: none reaches 30.
        Assert.True(fit.ConditionNumber < 30, $"condition number {fit.ConditionNumber}");
        Assert.Empty(fit.NearDependencies);
        Assert.Empty(Collinear(fit));
    }
}
