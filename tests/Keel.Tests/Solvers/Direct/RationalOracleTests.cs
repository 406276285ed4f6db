// The dense solver against exact rational least squares on small integer designs.
//
// Oracle: exact rational arithmetic (TestSupport/RationalLeastSquares), the exact solution of
// exactly the data the solver sees. Tolerances, each in the column-scaling-invariant form
// ||a_j||·|error_j| compared with max_k ||a_k||·|value_k| (the unit-column coordinates in which
// the bounds hold), with kappa the scaled condition number from Math.NET's SVD:
//   refined coefficients: 16·u (Björck: refinement ends with x correct to a few u; 16 covers the
//     final rounding and the last correction the stopping rule allows);
//   RSS and refined covariance diagonal: 16·u relative (residuals in double-double);
//   covariance R^{-1}R^{-T} and dependencies: 4·n·kappa·u (QR is column-wise backward stable
//     with error of order n·u per column, Higham 2002 Thm 19.4, amplified by kappa).

using Keel.LinearAlgebra;
using Keel.Solvers.Direct;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

public class RationalOracleTests
{
    private const double U = DenseTestDesigns.U;

    [Theory]
    [InlineData(12, 3, 1)]
    [InlineData(20, 5, 2)]
    [InlineData(30, 6, 3)]
    [InlineData(7, 7, 4)]
    public void Full_rank_integer_designs_match_the_exact_fit(int m, int n, int seed)
    {
        var rng = new Random(seed);
        DenseMatrix a = DenseTestDesigns.RandomIntegers(m, n, 9, rng);
        double[] b = DenseTestDesigns.RandomIntegerVector(m, 50, rng);
        AssertMatchesOracle(a, b);
    }

    [Fact]
    public void Rank_deficient_design_aliases_exactly_the_columns_in_the_span_of_earlier_ones()
    {
        // x0, x1, x0 + x1 (aliased), x2, 2·x0 − 3·x2 (aliased), x3: aliased are columns 2 and 4.
        var rng = new Random(11);
        DenseMatrix basis = DenseTestDesigns.RandomIntegers(15, 4, 9, rng);
        var a = new DenseMatrix(15, 6);
        for (int i = 0; i < 15; i++)
        {
            a[i, 0] = basis[i, 0];
            a[i, 1] = basis[i, 1];
            a[i, 2] = basis[i, 0] + basis[i, 1];
            a[i, 3] = basis[i, 2];
            a[i, 4] = (2 * basis[i, 0]) - (3 * basis[i, 2]);
            a[i, 5] = basis[i, 3];
        }

        double[] b = DenseTestDesigns.RandomIntegerVector(15, 50, rng);
        DenseLeastSquaresResult fit = AssertMatchesOracle(a, b);
        Assert.Equal([2, 4], fit.AliasedColumns.Select(c => c.Column));
    }

    [Fact]
    public void A_later_column_can_make_an_earlier_pair_collinear_and_the_later_column_is_aliased()
    {
        // [x0, x0 + x1, x1]: x1 is the one aliased, with x1 = (x0 + x1) − x0.
        var rng = new Random(12);
        DenseMatrix basis = DenseTestDesigns.RandomIntegers(10, 2, 9, rng);
        var a = new DenseMatrix(10, 3);
        for (int i = 0; i < 10; i++)
        {
            a[i, 0] = basis[i, 0];
            a[i, 1] = basis[i, 0] + basis[i, 1];
            a[i, 2] = basis[i, 1];
        }

        DenseLeastSquaresResult fit = AssertMatchesOracle(a, DenseTestDesigns.RandomIntegerVector(10, 50, rng));
        AliasedColumn aliased = Assert.Single(fit.AliasedColumns);
        Assert.Equal(2, aliased.Column);
        Assert.Equal([0, 1], aliased.Dependency.Select(t => t.Column));
    }

    [Fact]
    public void Refinement_reaches_the_exact_solution_of_an_ill_conditioned_polynomial_design()
    {
        // Raw powers 1, x, …, x^6 of x = 1..20 (exact integers): kappa about 1e8 after scaling.
        var a = new DenseMatrix(20, 7);
        var b = new double[20];
        for (int i = 0; i < 20; i++)
        {
            double power = 1;
            for (int k = 0; k < 7; k++, power *= i + 1)
            {
                a[i, k] = power; // exact: (i + 1)^k < 2^53
            }

            b[i] = ((i * 37) % 11) - 5;
        }

        DenseLeastSquaresResult fit = AssertMatchesOracle(a, b);
        Assert.Equal(7, fit.Rank);
    }

    private static DenseLeastSquaresResult AssertMatchesOracle(DenseMatrix a, double[] b)
    {
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, b);
        RationalFit exact = RationalLeastSquares.Fit(DenseTestDesigns.RationalColumns(a), b.Select(Rational.FromDouble).ToArray());
        Assert.Equal(exact.KeptColumns, fit.KeptColumns);
        Assert.Equal(exact.DependencyByAliasedColumn.Keys.Order(), fit.AliasedColumns.Select(c => c.Column));

        int r = fit.Rank;
        double kappa = DenseTestDesigns.ScaledCondition(a, fit.KeptColumns);
        double[] norms = DenseTestDesigns.ColumnNorms(a);
        double[] normK = fit.KeptColumns.Select(k => norms[k]).ToArray();

        // Coefficients: ||a_k||·|beta_k − exact_k| <= 16·u·max_k ||a_k||·|exact_k|.
        double[] beta = exact.Coefficients.Select(x => x.ToDouble()).ToArray();
        double scale = Enumerable.Range(0, r).Max(p => normK[p] * Math.Abs(beta[p]));
        for (int p = 0; p < r; p++)
        {
            Numeric.AssertClose(beta[p], fit.Coefficients[p], 0, 16 * U * scale / normK[p], $"coefficient {p}");
        }

        // RSS of the returned (rounded) beta: 16·u relative, plus ||A·(beta − exact)||² <= (r·16·u·scale)² when the fit is exact.
        Numeric.AssertClose(exact.ResidualSumOfSquares.ToDouble(), fit.ResidualSumOfSquares, 16 * U, Math.Pow(r * 16 * U * scale, 2), "RSS");

        // Covariance in unit-column coordinates D·C·D, D = diag(||a_k||).
        DenseMatrix covariance = fit.Covariance();
        double covScale = Enumerable.Range(0, r).Max(p => normK[p] * normK[p] * exact.Covariance[p][p].ToDouble());
        for (int p = 0; p < r; p++)
        {
            for (int q = 0; q < r; q++)
            {
                double abs = 4 * r * kappa * U * covScale / (normK[p] * normK[q]);
                Numeric.AssertClose(exact.Covariance[q][p].ToDouble(), covariance[p, q], 0, abs, $"covariance ({p},{q})");
            }

            Numeric.AssertClose(exact.Covariance[p][p].ToDouble(), fit.CovarianceDiagonal[p], 16 * U, 0, $"refined variance {p}");
        }

        // Dependencies: ||a_k||·|c_k − exact c_k| <= 4·n·kappa·u·||a_j|| (pruned terms count as 0).
        foreach (AliasedColumn aliased in fit.AliasedColumns)
        {
            Rational[] z = exact.DependencyByAliasedColumn[aliased.Column];
            Dictionary<int, double> computed = aliased.Dependency.ToDictionary(t => t.Column, t => t.Coefficient);
            for (int p = 0; p < z.Length; p++)
            {
                int k = fit.KeptColumns[p];
                double abs = 4 * a.Columns * kappa * U * norms[aliased.Column] / norms[k];
                Numeric.AssertClose(z[p].ToDouble(), computed.GetValueOrDefault(k), 0, abs, $"dependency of column {aliased.Column} on {k}");
            }
        }

        return fit;
    }
}
