// The covariance queries of the dense solver against Math.NET (test-only oracle) and each other.
//
// Oracle: Math.NET's inverse of the Gram matrix X'X. That route squares the condition number,
// so its own error is about n·kappa²·u relative to the largest entry of D·C·D (D = diagonal of
// column norms, the unit-column coordinates), while R^{-1}R^{-T} errs by about n·kappa·u: the
// tolerance is the oracle's, 4·n·kappa²·u. Refined quantities agree with the fast ones within
// the fast ones' 4·n·kappa·u.

using Keel.LinearAlgebra;
using Keel.Solvers.Direct;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

public class CovarianceTests
{
    private const double U = DenseTestDesigns.U;

    [Fact]
    public void Covariance_from_the_triangular_inverse_matches_the_inverse_Gram_matrix()
    {
        DenseMatrix a = BadlyScaledDesign(seed: 1);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, new double[a.Rows]);
        int n = a.Columns;
        double kappa = DenseTestDesigns.ScaledCondition(a, fit.KeptColumns);
        double[] d = DenseTestDesigns.ColumnNorms(a);
        var x = DenseTestDesigns.ToMathNet(a);
        var inverseGram = x.TransposeThisAndMultiply(x).Inverse();

        DenseMatrix covariance = fit.Covariance();
        double scale = Enumerable.Range(0, n).Max(p => d[p] * d[p] * inverseGram[p, p]);
        for (int p = 0; p < n; p++)
        {
            for (int q = 0; q < n; q++)
            {
                Numeric.AssertClose(inverseGram[p, q], covariance[p, q], 0, 4 * n * kappa * kappa * U * scale / (d[p] * d[q]), $"covariance ({p},{q})");
                Assert.Equal(covariance[p, q], covariance[q, p]);
            }
        }
    }

    [Fact]
    public void Variance_factor_of_a_row_is_v_Cov_v_and_the_refined_one_agrees()
    {
        DenseMatrix a = BadlyScaledDesign(seed: 2);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, new double[a.Rows]);
        int n = a.Columns;
        double kappa = DenseTestDesigns.ScaledCondition(a, fit.KeptColumns);
        DenseMatrix covariance = fit.Covariance();
        double[] row = Enumerable.Range(0, n).Select(j => a[3, j]).ToArray();

        double quadratic = 0;
        for (int p = 0; p < n; p++)
        {
            for (int q = 0; q < n; q++)
            {
                quadratic += row[p] * covariance[p, q] * row[q];
            }
        }

        Numeric.AssertClose(quadratic, fit.VarianceFactor(row), 4 * n * kappa * U, 0, "v'Cv");
        Numeric.AssertClose(fit.VarianceFactor(row), fit.RefinedVarianceFactor(row), 4 * n * kappa * U, 0, "refined v'Cv");
    }

    [Fact]
    public void Refined_covariance_diagonal_is_the_refined_variance_factor_of_each_unit_vector_bit_for_bit()
    {
        // Same computation up to a power-of-two scaling of the right-hand side, so the same bits.
        DenseMatrix a = BadlyScaledDesign(seed: 3);
        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, new double[a.Rows]);
        for (int p = 0; p < a.Columns; p++)
        {
            var unit = new double[a.Columns];
            unit[p] = 1.0;
            Assert.Equal(fit.CovarianceDiagonal[p], fit.RefinedVarianceFactor(unit));
        }
    }

    [Fact]
    public void Without_refinement_the_covariance_diagonal_is_the_one_of_the_triangular_inverse()
    {
        DenseMatrix a = BadlyScaledDesign(seed: 5);
        double[] b = new double[a.Rows];
        DenseLeastSquaresResult fast = DenseLeastSquares.Solve(a, b, new DenseLeastSquaresOptions { RefineCovarianceDiagonal = false });
        DenseLeastSquaresResult refined = DenseLeastSquares.Solve(a, b);
        Assert.False(fast.CovarianceDiagonalRefined);
        Assert.True(refined.CovarianceDiagonalRefined);
        DenseMatrix covariance = fast.Covariance();
        double kappa = DenseTestDesigns.ScaledCondition(a, fast.KeptColumns);
        for (int p = 0; p < a.Columns; p++)
        {
            Assert.Equal(covariance[p, p], fast.CovarianceDiagonal[p]);
            Numeric.AssertClose(refined.CovarianceDiagonal[p], fast.CovarianceDiagonal[p], 4 * a.Columns * kappa * U, 0, $"variance {p}");
        }
    }

    [Fact]
    public void Variance_queries_ignore_the_components_on_aliased_columns()
    {
        var rng = new Random(4);
        DenseMatrix a = DenseTestDesigns.RandomReals(25, 4, rng);
        for (int i = 0; i < 25; i++)
        {
            a[i, 2] = a[i, 0] - a[i, 1];
        }

        DenseLeastSquaresResult fit = DenseLeastSquares.Solve(a, DenseTestDesigns.RandomReals(25, 1, rng).Column(0));
        Assert.Equal(2, Assert.Single(fit.AliasedColumns).Column);
        double[] v = [0.5, -1.0, 7.0, 2.0];
        double[] withoutAliased = [0.5, -1.0, 0.0, 2.0];
        Assert.Equal(fit.VarianceFactor(withoutAliased), fit.VarianceFactor(v));
        Assert.Equal(fit.RefinedVarianceFactor(withoutAliased), fit.RefinedVarianceFactor(v));
    }

    /// <summary>40 × 5 random reals with column scales 1, 1e3, 1e-2, 1e5, 1, and one near-collinear pair.</summary>
    private static DenseMatrix BadlyScaledDesign(int seed)
    {
        var rng = new Random(seed);
        DenseMatrix a = DenseTestDesigns.RandomReals(40, 5, rng);
        double[] scales = [1, 1e3, 1e-2, 1e5, 1];
        for (int i = 0; i < 40; i++)
        {
            a[i, 4] = a[i, 0] + (1e-3 * a[i, 4]);
            for (int j = 0; j < 5; j++)
            {
                a[i, j] *= scales[j];
            }
        }

        return a;
    }
}
