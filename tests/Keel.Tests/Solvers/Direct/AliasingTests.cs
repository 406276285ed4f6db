// Aliasing by the sequential rank decision: which column is kept, the dependencies reported,
// and where the tolerance tau draws the line (exact dependencies aliased, collinear-but-
// independent columns kept).
//
// Properties: "Of collinear columns the earliest in design order is kept: [A, B, A] keeps A and
// B"; a region dummy after the city dummies of a nested design is the sum of its cities (closed
// form); a column one ulp away from an earlier one is aliased; columns with scaled condition
// number 1e10 are all kept; power-of-two changes of units change no bit.
// Tolerance for computed dependency coefficients: 4·n·kappa·u (see RationalOracleTests).

using Keel.LinearAlgebra;
using Keel.Solvers.Direct;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

public class AliasingTests
{
    private const double U = DenseTestDesigns.U;

    [Fact]
    public void Of_collinear_columns_the_earliest_in_design_order_is_kept_A_B_A_keeps_A_and_B()
    {
        var rng = new Random(1);
        DenseMatrix ab = DenseTestDesigns.RandomReals(20, 2, rng);
        var a = new DenseMatrix(20, 3);
        ab.Column(0).CopyTo(a.Column(0));
        ab.Column(1).CopyTo(a.Column(1));
        ab.Column(0).CopyTo(a.Column(2));

        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(20, 1, rng).Column(0));

        Assert.Equal([0, 1], fit.KeptColumns);
        AliasedColumn aliased = Assert.Single(fit.AliasedColumns);
        Assert.Equal(2, aliased.Column);
        // a_2 = 1·a_0 exactly: the same bits meet the same reflections; the B term is pruned as rounding.
        DependencyTerm term = Assert.Single(aliased.Dependency);
        Assert.Equal(new DependencyTerm(0, 1.0), term);
    }

    [Fact]
    public void A_power_of_two_multiple_of_an_earlier_column_has_exactly_that_coefficient()
    {
        var rng = new Random(2);
        DenseMatrix a = DenseTestDesigns.RandomReals(10, 3, rng);
        for (int i = 0; i < 10; i++)
        {
            a[i, 2] = -8 * a[i, 0];
        }

        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(10, 1, rng).Column(0));
        Assert.Equal(new DependencyTerm(0, -8.0), Assert.Single(Assert.Single(fit.AliasedColumns).Dependency));
    }

    [Fact]
    public void Region_dummies_after_city_dummies_are_aliased_as_the_sums_of_their_cities()
    {
        // Cells of a nested design, weighted by sqrt(count): intercept, city[1..7] (city 0 is the
        // reference), region[1..3] (region 0 is the reference, holding cities 0 and 1).
        const int cities = 8;
        int n = 1 + (cities - 1) + 3;
        (DenseMatrix a, double[] b) = NestedDesign(regionsFirst: false);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, b);

        Assert.Equal(cities, fit.Rank);
        Assert.Equal([8, 9, 10], fit.AliasedColumns.Select(c => c.Column));
        double kappa = DenseTestDesigns.ScaledCondition(a, fit.KeptColumns);
        foreach (AliasedColumn region in fit.AliasedColumns)
        {
            int r = region.Column - (cities - 1);
            // Closed form: region r = city 2r + city 2r+1, coefficients exactly 1.
            Assert.Equal([2 * r, (2 * r) + 1], region.Dependency.Select(t => t.Column));
            foreach (DependencyTerm term in region.Dependency)
            {
                Numeric.AssertClose(1.0, term.Coefficient, 4 * n * kappa * U, 0, $"region {r} on city {term.Column}");
            }
        }

        // Estimable: an observed row; a contrast of two cities of one region; a contrast of cities
        // of different regions together with their region contrast. Not estimable: a region
        // effect alone, a city effect alone, a cross-region city contrast without its regions.
        Assert.True(fit.IsEstimable(Enumerable.Range(0, n).Select(j => a[5, j] / a[5, 0]).ToArray()));
        Assert.True(fit.IsEstimable(Unit(n, 0, 1.0, 2, 1.0, 8, 1.0)));
        Assert.True(fit.IsEstimable(Unit(n, 2, 1.0, 3, -1.0)));
        Assert.True(fit.IsEstimable(Unit(n, 3, 1.0, 5, -1.0, 8, 1.0, 9, -1.0)));
        Assert.False(fit.IsEstimable(Unit(n, 9, 1.0)));
        Assert.False(fit.IsEstimable(Unit(n, 2, 1.0)));
        Assert.False(fit.IsEstimable(Unit(n, 3, 1.0, 5, -1.0)));
    }

    [Fact]
    public void Region_dummies_before_city_dummies_are_kept_and_one_city_per_region_is_aliased()
    {
        // Columns: intercept, region[1..3] (1..3), city[1..7] (4..10); city 2r+1 = region r − city 2r.
        (DenseMatrix a, double[] b) = NestedDesign(regionsFirst: true);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, b);
        Assert.Equal([0, 1, 2, 3, 4, 5, 7, 9], fit.KeptColumns);
        double kappa = DenseTestDesigns.ScaledCondition(a, fit.KeptColumns);
        foreach (AliasedColumn city in fit.AliasedColumns)
        {
            int r = (city.Column - 3) / 2;
            Assert.Equal([r, city.Column - 1], city.Dependency.Select(t => t.Column));
            Numeric.AssertClose(1.0, city.Dependency[0].Coefficient, 4 * a.Columns * kappa * U, 0, "region term");
            Numeric.AssertClose(-1.0, city.Dependency[1].Coefficient, 4 * a.Columns * kappa * U, 0, "city term");
        }
    }

    [Fact]
    public void A_column_one_ulp_away_from_an_earlier_one_is_aliased()
    {
        var rng = new Random(4);
        DenseMatrix a = DenseTestDesigns.RandomReals(50, 3, rng);
        for (int i = 0; i < 50; i++)
        {
            a[i, 2] = rng.Next(2) == 0 ? Math.BitIncrement(a[i, 0]) : Math.BitDecrement(a[i, 0]);
        }

        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(50, 1, rng).Column(0));
        Assert.Equal([0, 1], fit.KeptColumns);
    }

    [Fact]
    public void Columns_with_scaled_condition_number_1e10_are_all_kept()
    {
        // x2 = x1 + delta·z: the scaled condition number grows like 1/delta.
        var rng = new Random(5);
        const int m = 200;
        var a = new DenseMatrix(m, 3);
        for (int i = 0; i < m; i++)
        {
            double x1 = rng.NextDouble();
            a[i, 0] = 1.0;
            a[i, 1] = x1;
            a[i, 2] = x1 + (1.2e-10 * ((2 * rng.NextDouble()) - 1));
        }

        double kappa = DenseTestDesigns.ScaledCondition(a, [0, 1, 2]);
        Assert.InRange(kappa, 1e10, 1e11);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(m, 1, rng).Column(0));
        Assert.Equal(3, fit.Rank);
        Assert.Equal(kappa, BelsleyConditioning.ScaledConditionNumber(a, fit.KeptColumns), 1e-4 * kappa);
    }

    [Fact]
    public void A_zero_column_is_aliased_with_an_empty_dependency()
    {
        var rng = new Random(6);
        DenseMatrix a = DenseTestDesigns.RandomReals(8, 3, rng);
        a.Column(1).Clear();
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(8, 1, rng).Column(0));
        AliasedColumn aliased = Assert.Single(fit.AliasedColumns);
        Assert.Equal(1, aliased.Column);
        Assert.Empty(aliased.Dependency);
        Assert.True(double.IsNaN(fit.CoefficientByColumn()[1]));
    }

    [Fact]
    public void With_more_columns_than_rows_the_columns_after_the_first_m_independent_ones_are_aliased()
    {
        var rng = new Random(7);
        DenseMatrix a = DenseTestDesigns.RandomReals(3, 5, rng);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(3, 1, rng).Column(0));
        Assert.Equal([0, 1, 2], fit.KeptColumns);
        double kappa = DenseTestDesigns.ScaledCondition(a, fit.KeptColumns);
        foreach (AliasedColumn aliased in fit.AliasedColumns)
        {
            // The dependency reproduces the column: a_j − Σ c_k a_k is rounding only.
            double norm = DenseTestDesigns.ColumnNorms(a)[aliased.Column];
            for (int i = 0; i < 3; i++)
            {
                double combination = aliased.Dependency.Sum(t => t.Coefficient * a[i, t.Column]);
                Numeric.AssertClose(a[i, aliased.Column], combination, 0, 4 * 5 * kappa * U * norm, $"row {i} of column {aliased.Column}");
            }
        }
    }

    [Fact]
    public void A_design_without_columns_has_rank_zero_and_the_whole_response_as_residual()
    {
        double[] b = [3.0, -4.0];
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(new DenseMatrix(2, 0), b);
        Assert.Equal(0, fit.Rank);
        Assert.Equal(25.0, fit.ResidualSumOfSquares);
        Assert.True(fit.IsEstimable([]));
    }

    [Fact]
    public void A_power_of_two_change_of_units_changes_no_bit()
    {
        var rng = new Random(8);
        DenseMatrix a = DenseTestDesigns.RandomReals(30, 4, rng);
        double[] b = DenseTestDesigns.RandomReals(30, 1, rng).Column(0).ToArray();
        DenseMatrix rescaled = a.Clone();
        foreach (ref double x in rescaled.Column(2))
        {
            x *= 1024.0;
        }

        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, b);
        DenseLeastSquaresResult refit = DenseLeastSquares.Solve(rescaled, b);
        for (int p = 0; p < 4; p++)
        {
            Assert.Equal(fit.Coefficients[p] / (p == 2 ? 1024.0 : 1.0), refit.Coefficients[p]);
        }

        Assert.Equal(fit.ResidualSumOfSquares, refit.ResidualSumOfSquares);
        Assert.Equal(fit.RemainderRatioByColumn, refit.RemainderRatioByColumn);
    }

    /// <summary>
    /// 24 cells (3 per city) of 8 cities in 4 regions (region = city / 2), rows weighted by
    /// sqrt(count): intercept, then city[1..7] and region[1..3] dummies in the order asked.
    /// </summary>
    private static (DenseMatrix A, double[] B) NestedDesign(bool regionsFirst)
    {
        var rng = new Random(3);
        var a = new DenseMatrix(24, 11);
        var b = new double[24];
        for (int i = 0; i < 24; i++)
        {
            int city = i / 3;
            double w = Math.Sqrt(1 + rng.Next(50));
            a[i, 0] = w;
            if (city > 0)
            {
                a[i, regionsFirst ? 3 + city : city] = w;
            }

            if (city / 2 > 0)
            {
                a[i, regionsFirst ? city / 2 : 7 + (city / 2)] = w;
            }

            b[i] = w * rng.NextDouble();
        }

        return (a, b);
    }

    private static double[] Unit(int n, params double[] columnValuePairs)
    {
        var v = new double[n];
        for (int k = 0; k < columnValuePairs.Length; k += 2)
        {
            v[(int)columnValuePairs[k]] = columnValuePairs[k + 1];
        }

        return v;
    }
}
