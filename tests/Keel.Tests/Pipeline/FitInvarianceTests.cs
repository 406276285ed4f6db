using System.Globalization;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;
using Keel.Solvers;

namespace Keel.Tests.Pipeline;

/// <summary>The invariants that make cells a faithful compression of rows (cf. scikit-learn's sample-weight consistency tests).</summary>
public class FitInvarianceTests
{
    private static FitResult Fit(string csv, string formula, SolverChoice solver = SolverChoice.Qr, string? weights = null) =>
        CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [], Solver = solver, WeightColumn = weights, IterativeTolerance = 1e-14 }).Result;

    private static string Fingerprint(FitResult r) => Keel.Results.Fingerprint.Of(r.Coefficients.Select(c => c.Estimate));

    // Rows with a text factor (4 levels), an integer x and heavy duplication: 600 rows, few cells.
    private static List<(string A, int X, int Y)> Rows(int seed, int count = 600)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            string a = "L" + rng.Next(4).ToString(CultureInfo.InvariantCulture);
            int x = rng.Next(6);
            return (a, x, (3 * x) + (a[1] - '0') + rng.Next(-5, 6));
        }).ToList();
    }

    private static string Csv(IEnumerable<(string A, int X, int Y)> rows) =>
        "a,x,y\n" + string.Concat(rows.Select(r => $"{r.A},{r.X},{r.Y}\n"));

    [Fact]
    public void Row_permutation_changes_no_bit_of_the_result()
    {
        var rows = Rows(1);
        var shuffled = rows.OrderBy(_ => Random.Shared.Next()).ToList();
        foreach (SolverChoice solver in new[] { SolverChoice.Qr, SolverChoice.Lsmr })
        {
            FitResult a = Fit(Csv(rows), "y ~ a + x", solver);
            FitResult b = Fit(Csv(shuffled), "y ~ a + x", solver);
            Assert.Equal(Fingerprint(a), Fingerprint(b));
            Assert.Equal(a.Rss, b.Rss);
        }
    }

    [Fact]
    public void Weight_two_equals_a_duplicated_row_bit_for_bit()
    {
        var rows = Rows(2, 50);
        string weighted = "a,x,y,w\n" + string.Concat(rows.Select((r, i) => $"{r.A},{r.X},{r.Y},{(i % 3 == 0 ? 2 : 1)}\n"));
        string duplicated = "a,x,y,w\n" + string.Concat(rows.SelectMany((r, i) => Enumerable.Repeat($"{r.A},{r.X},{r.Y},1\n", i % 3 == 0 ? 2 : 1)));
        Assert.Equal(Fingerprint(Fit(weighted, "y ~ a + x", weights: "w")), Fingerprint(Fit(duplicated, "y ~ a + x", weights: "w")));
    }

    [Fact]
    public void Cells_give_the_coefficients_of_least_squares_on_the_expanded_rows()
    {
        var rows = Rows(3);
        FitResult fit = Fit(Csv(rows), "y ~ a + x");

        // Oracle: exact rational least squares on the 600 expanded rows (treatment coding, L0 the reference).
        Rational[][] columns =
        [
            rows.Select(_ => Rational.One).ToArray(),
            .. new[] { "L1", "L2", "L3" }.Select(level => rows.Select(r => r.A == level ? Rational.One : Rational.Zero).ToArray()),
            rows.Select(r => Rational.FromInteger(r.X)).ToArray(),
        ];
        RationalFit exact = RationalLeastSquares.Fit(columns, rows.Select(r => Rational.FromInteger(r.Y)).ToArray());
        double[] estimated = fit.Coefficients.Where(c => c.Status == CoefficientStatus.Estimated).Select(c => c.Estimate!.Value).ToArray();

        // After refinement the dense solution is accurate to a few ulps times the scaled condition
        // number (Björck 1996, §2.9); κ here is computed independently with MathNet's SVD.
        double kappa = ScaledCondition(columns);
        double tolerance = 16 * kappa * Numeric.Eps;
        Numeric.AssertClose(exact.Coefficients.Select(q => q.ToDouble()).ToArray(), estimated, tolerance, tolerance);
        Numeric.AssertClose(exact.ResidualSumOfSquares.ToDouble(), fit.Rss!.Value, tolerance);
    }

    [Fact]
    public void Collinear_numeric_columns_keep_the_earliest_and_explain_the_dependency()
    {
        var rng = new Random(4);
        string csv = "x,z,w,y\n" + string.Concat(Enumerable.Range(0, 40).Select(_ =>
        {
            int x = rng.Next(10), z = rng.Next(10);
            return $"{x},{z},{x + z},{x - z + rng.Next(3)}\n";
        }));
        FitResult fit = Fit(csv, "y ~ x + z + w");
        CoefficientResult w = fit.Coefficients.Single(c => c.Name == "w");
        Assert.Equal(CoefficientStatus.Aliased, w.Status);
        Assert.Null(w.Estimate);
        Assert.Equal(new[] { "x", "z" }, w.AliasedWith);
        Assert.Equal("w = x + z", w.AliasExplanation);
        Assert.Equal(3, fit.Rank);
    }

    private static double ScaledCondition(Rational[][] columns)
    {
        int m = columns[0].Length;
        var a = Matrix<double>.Build.Dense(m, columns.Length, (i, j) => columns[j][i].ToDouble());
        for (int j = 0; j < a.ColumnCount; j++)
        {
            a.SetColumn(j, a.Column(j) / a.Column(j).L2Norm());
        }

        var s = a.Svd(computeVectors: false).S;
        return s.Maximum() / s.Minimum();
    }
}
