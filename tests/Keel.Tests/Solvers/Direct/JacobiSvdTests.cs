// One-sided Jacobi SVD and Belsley's diagnostics against Math.NET (test-only oracle) and closed forms.
//
// Tolerances: both SVDs are backward stable, so by Weyl's inequality each sigma_i differs by at
// most about max(m, n)·u·sigma_max from the exact one: 8·max(m, n)·u·sigma_max between them.
// For a column-graded matrix A = B·D, Jacobi finds even tiny sigma_i to relative error about
// kappa(B)·u (Demmel & Veselić 1992); the closed-form 2 × 2 case uses 8·u relative.
// The scaled condition number is sigma_max/sigma_min of unit columns; Math.NET's sigma_min has
// relative error about max(m, n)·kappa·u, the tolerance used.

using Keel.LinearAlgebra;
using Keel.Solvers.Direct;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

public class JacobiSvdTests
{
    private const double U = DenseTestDesigns.U;

    [Theory]
    [InlineData(40, 6, 1)]
    [InlineData(6, 6, 2)]
    [InlineData(5, 8, 3)]
    public void Singular_values_match_the_Golub_Kahan_SVD(int m, int n, int seed)
    {
        DenseMatrix a = DenseTestDesigns.RandomReals(m, n, new Random(seed));
        JacobiSvd svd = JacobiSvd.Compute(a);
        var reference = DenseTestDesigns.ToMathNet(a).Svd(computeVectors: false).S;

        Assert.True(svd.Converged);
        double sigmaMax = reference[0];
        for (int i = 0; i < n; i++)
        {
            double expected = i < reference.Count ? reference[i] : 0.0;
            Numeric.AssertClose(expected, svd.SingularValues[i], 0, 8 * Math.Max(m, n) * U * sigmaMax, $"sigma {i}");
        }

        // V is orthogonal and ||A v_j|| = sigma_j.
        var v = DenseTestDesigns.ToMathNet(svd.RightSingularVectors);
        var gram = v.TransposeThisAndMultiply(v);
        var av = DenseTestDesigns.ToMathNet(a) * v;
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < n; k++)
            {
                Numeric.AssertClose(j == k ? 1.0 : 0.0, gram[j, k], 0, 8 * n * U, $"V'V ({j},{k})");
            }

            Numeric.AssertClose(svd.SingularValues[j], av.Column(j).L2Norm(), 0, 8 * Math.Max(m, n) * U * sigmaMax, $"||A v_{j}||");
        }
    }

    [Fact]
    public void A_tiny_singular_value_of_a_column_graded_matrix_has_full_relative_accuracy()
    {
        // A = [[1, 1e-12], [0, 1e-12]] = B·diag(1, 1.4e-12) with kappa(B) ≈ 2.4. sigma_max·sigma_min
        // = |det A| = 1e-12 and sigma_max = 1 + O(1e-24), so sigma_min = 1e-12 to double precision.
        var a = new DenseMatrix(2, 2);
        a[0, 0] = 1.0;
        a[0, 1] = 1e-12;
        a[1, 1] = 1e-12;
        JacobiSvd svd = JacobiSvd.Compute(a);
        Numeric.AssertClose(1.0, svd.SingularValues[0], 8 * U, 0, "sigma_max");
        Numeric.AssertClose(1e-12, svd.SingularValues[1], 8 * U, 0, "sigma_min");
    }

    [Fact]
    public void The_computation_is_deterministic()
    {
        DenseMatrix a = DenseTestDesigns.RandomReals(30, 7, new Random(4));
        Assert.Equal(JacobiSvd.Compute(a).SingularValues, JacobiSvd.Compute(a).SingularValues);
    }

    [Fact]
    public void Scaled_condition_number_matches_the_reference_and_ignores_units()
    {
        var rng = new Random(5);
        DenseMatrix a = DenseTestDesigns.RandomReals(50, 5, rng);
        for (int i = 0; i < 50; i++)
        {
            a[i, 4] = a[i, 1] + (1e-6 * a[i, 4]);
        }

        int[] kept = [0, 1, 2, 3, 4];
        double kappa = DenseTestDesigns.ScaledCondition(a, kept);
        double computed = BelsleyConditioning.ScaledConditionNumber(a, kept);
        Numeric.AssertClose(kappa, computed, 8 * 50 * kappa * U, 0, "scaled condition number");

        DenseMatrix rescaled = a.Clone();
        foreach (ref double x in rescaled.Column(1))
        {
            x *= 1e6;
        }

        Numeric.AssertClose(computed, BelsleyConditioning.ScaledConditionNumber(rescaled, kept), 8 * 5 * kappa * U, 0, "after a change of units");
    }

    [Fact]
    public void Variance_proportions_sum_to_one_and_orthogonal_columns_have_condition_number_one()
    {
        DenseMatrix a = DenseTestDesigns.RandomReals(30, 4, new Random(6));
        BelsleyDiagnostics table = BelsleyConditioning.Diagnose(a, [0, 1, 2, 3]);
        Assert.Equal(1.0, table.ConditionIndexes[0]);
        Assert.Equal(table.ConditionNumber, table.ConditionIndexes[^1]);
        for (int k = 0; k < 4; k++)
        {
            double total = Enumerable.Range(0, 4).Sum(j => table.VarianceProportions[j, k]);
            Numeric.AssertClose(1.0, total, 8 * 4 * U, 0, $"proportions of coefficient {k}");
        }

        // Orthogonal columns of different lengths: kappa = 1, each coefficient on its own sigma.
        var orthogonal = new DenseMatrix(4, 2);
        orthogonal[0, 0] = 3.0;
        orthogonal[1, 0] = 3.0;
        orthogonal[2, 1] = -0.5;
        orthogonal[3, 1] = 0.5;
        BelsleyDiagnostics unit = BelsleyConditioning.Diagnose(orthogonal, [0, 1]);
        Assert.Equal(1.0, unit.ConditionNumber, 4 * U);
        Assert.Equal(1.0, unit.VarianceProportions[0, 0] + unit.VarianceProportions[1, 0], 4 * U);
        Assert.True(Math.Max(unit.VarianceProportions[0, 0], unit.VarianceProportions[1, 0]) == 1.0);
    }
}
