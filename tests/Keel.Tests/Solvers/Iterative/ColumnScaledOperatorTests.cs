// Column-norm preconditioning: the operator is exactly A·D, empty columns get scale 0 and a
// coefficient of exactly 0, the scaled solve agrees with QR on the original A to the bound of
// the scaled problem's rule 2 (‖x − x*‖ ≤ max d_j·‖z − z*‖), and it pays off on badly scaled columns.

using Keel.Solvers.Iterative;
using MathNet.Numerics.LinearAlgebra;
using static Keel.Tests.Solvers.Iterative.LsmrOracle;

namespace Keel.Tests.Solvers.Iterative;

public class ColumnScaledOperatorTests
{
    [Fact]
    public void Scales_are_reciprocal_norms_and_zero_for_empty_columns()
    {
        Assert.Equal([0.5, 0, 2], ColumnScaledOperator.ScalesFromSquaredNorms([4, 0, 0.25]));
        Assert.Throws<ArgumentException>(() => ColumnScaledOperator.ScalesFromSquaredNorms([1, -1]));
        Assert.Throws<ArgumentException>(() => ColumnScaledOperator.ScalesFromSquaredNorms([double.NaN]));
    }

    [Fact]
    public void Products_equal_those_of_the_scaled_matrix_exactly_on_dyadic_data()
    {
        // Small integers and powers of two: every product and sum is exact, so equality is exact.
        var a = Matrix<double>.Build.Dense(4, 3, (i, j) => ((3 * i) + j) % 5 - 2);
        double[] d = [0.25, 0, 8];
        var scaled = new ColumnScaledOperator(DenseOperator.From(a), d);
        var ad = a * Matrix<double>.Build.DiagonalOfDiagonalArray(d);
        double[] z = [1, -3, 0.5];
        double[] y = [2, -1, 0, 4];
        var az = new double[4];
        var aty = new double[3];

        scaled.Multiply(z, az);
        scaled.MultiplyTransposed(y, aty);

        Assert.Equal((ad * Vector<double>.Build.DenseOfArray(z)).ToArray(), az);
        Assert.Equal(ad.TransposeThisAndMultiply(Vector<double>.Build.DenseOfArray(y)).ToArray(), aty);
    }

    [Fact]
    public void Scaled_solve_on_badly_scaled_columns_agrees_with_QR_in_fewer_iterations()
    {
        // Column j multiplied by 10^(j − 4): cond(A) ≈ 1e7 from scaling alone, cond(AD) small.
        var a = RandomMatrix(101, 60, 8);
        for (int j = 0; j < 8; j++)
        {
            a.SetColumn(j, a.Column(j) * Math.Pow(10, j - 4));
        }

        var b = RandomVector(102, 60);
        var squaredNorms = Enumerable.Range(0, 8).Select(j => a.Column(j).DotProduct(a.Column(j))).ToArray();

        var plain = Lsmr.Solve(DenseOperator.From(a), b.ToArray(), LsmrOptions.Default);
        var scaled = Lsmr.SolveColumnScaled(DenseOperator.From(a), b.ToArray(), squaredNorms, LsmrOptions.Default);

        Assert.True(scaled.Iterations < plain.Iterations, $"scaled {scaled.Iterations} vs plain {plain.Iterations} iterations");
        AssertScaledAgreesWithQR(a, b, squaredNorms);
    }

    [Fact]
    public void Scaled_solve_of_one_hot_cells_with_norms_from_counts_agrees_with_QR()
    {
        var design = OneHotDesign.Random(111, 800, [30, 12, 4], Coding.Treatment);

        AssertScaledAgreesWithQR(design.ToMatrix(), RandomVector(112, 800), design.SquaredNormByColumn());
    }

    [Fact]
    public void Empty_column_gets_coefficient_exactly_zero_and_the_rest_agree_with_QR()
    {
        var a = RandomMatrix(121, 40, 5);
        a.SetColumn(2, Vector<double>.Build.Dense(40));
        var b = RandomVector(122, 40);
        var squaredNorms = Enumerable.Range(0, 5).Select(j => a.Column(j).DotProduct(a.Column(j))).ToArray();

        var result = Lsmr.SolveColumnScaled(DenseOperator.From(a), b.ToArray(), squaredNorms, LsmrOptions.Default);

        Assert.Equal(0.0, result.Solution[2]);
        var kept = a.RemoveColumn(2);
        var expected = kept.QR().Solve(b).ToList();
        expected.Insert(2, 0);
        var options = LsmrOptions.Default;
        var (sigmaMax, sigmaMin, _) = Singular(kept * Matrix<double>.Build.DiagonalOfDiagonalArray(Scales(squaredNorms).Where(d => d > 0).ToArray()));
        double bound = ScaledBound(options, result, sigmaMax, sigmaMin, b, Scales(squaredNorms).Max());
        TestSupport.Numeric.AssertClose(expected.ToArray(), result.Solution, rel: 0, abs: bound, what: "x against QR without the empty column");
    }

    /// <summary>
    /// Runs LSMR on A·D directly (z) and through SolveColumnScaled (x): x must be exactly D·z, z must
    /// meet the rule-2 promise on A·D, and x must agree with QR on A to max d_j times that bound.
    /// </summary>
    private static void AssertScaledAgreesWithQR(Matrix<double> a, Vector<double> b, double[] squaredNorms)
    {
        var options = LsmrOptions.Default;
        double[] d = Scales(squaredNorms);
        var ad = a * Matrix<double>.Build.DiagonalOfDiagonalArray(d);

        var inZ = Lsmr.Solve(new ColumnScaledOperator(DenseOperator.From(a), d), b.ToArray(), options);
        var inX = Lsmr.SolveColumnScaled(DenseOperator.From(a), b.ToArray(), squaredNorms, options);

        Assert.Equal(inZ.Solution.Select((z, j) => d[j] * z), inX.Solution);
        Assert.Equal(inZ.NormX, inX.NormX);
        var zStar = ad.QR().Solve(b);
        AssertLeastSquaresPromise(ad, b, inZ, options, zStar);
        var (sigmaMax, sigmaMin, _) = Singular(ad);
        double bound = ScaledBound(options, inX, sigmaMax, sigmaMin, b, d.Max());
        TestSupport.Numeric.AssertClose(a.QR().Solve(b).ToArray(), inX.Solution, rel: 0, abs: bound, what: "x against QR on A");
    }

    private static double[] Scales(double[] squaredNorms) => ColumnScaledOperator.ScalesFromSquaredNorms(squaredNorms);

    /// <summary>max d_j · (Atol·NormA·NormR + slack)/σ_min(AD)², the scaled rule 2 carried back to x.</summary>
    private static double ScaledBound(LsmrOptions options, LsmrResult result, double sigmaMax, double sigmaMin, Vector<double> b, double maxScale)
    {
        double slackAR = sigmaMax * ResidualSlack(sigmaMax, b.L2Norm(), result.NormX);
        return maxScale * ((options.Atol * result.NormA * result.NormR) + slackAR) / (sigmaMin * sigmaMin);
    }
}
