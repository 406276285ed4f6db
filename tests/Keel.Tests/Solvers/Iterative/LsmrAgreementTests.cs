// LSMR against the dense oracle (MathNet.Numerics QR, SVD pseudo-inverse, Cholesky), each compared
// to the tolerance its stopping rule promises (derived in LsmrOracle). The oracle always solves
// the same A and b LSMR saw — never the x that generated b.

using Keel.Solvers.Iterative;
using MathNet.Numerics.LinearAlgebra;
using static Keel.Tests.Solvers.Iterative.LsmrOracle;

namespace Keel.Tests.Solvers.Iterative;

public class LsmrAgreementTests
{
    private static readonly LsmrOptions Defaults = LsmrOptions.Default;

    [Theory]
    [InlineData(1, 40, 8)]
    [InlineData(2, 200, 25)]
    [InlineData(3, 12, 11)]
    public void Dense_random_least_squares_agrees_with_QR(int seed, int rows, int columns)
    {
        var a = RandomMatrix(seed, rows, columns);
        var b = RandomVector(seed + 100, rows);

        var result = Solve(DenseOperator.From(a), b, Defaults);

        Assert.True(result.Converged);
        AssertLeastSquaresPromise(a, b, result, Defaults, a.QR().Solve(b));
    }

    [Theory]
    [InlineData(11, 60, new[] { 4, 3 })]
    [InlineData(12, 300, new[] { 12, 7, 5 })]
    [InlineData(13, 1000, new[] { 40, 25 })]
    public void One_hot_treatment_coded_cells_agree_with_QR(int seed, int cells, int[] levelCountByFactor)
    {
        var design = OneHotDesign.Random(seed, cells, levelCountByFactor, Coding.Treatment);
        var a = design.ToMatrix();
        var b = RandomVector(seed + 100, cells);

        var result = Solve(design, b, Defaults);

        AssertLeastSquaresPromise(a, b, result, Defaults, a.QR().Solve(b));
    }

    [Fact]
    public void Compatible_system_stops_with_the_residual_rule()
    {
        var design = OneHotDesign.Random(21, 200, [6, 5], Coding.Treatment);
        var a = design.ToMatrix();
        var b = a * RandomVector(22, design.Columns);

        var result = Solve(design, b, Defaults);

        AssertCompatiblePromise(a, b, result, Defaults, a.QR().Solve(b));
    }

    [Fact]
    public void Rank_deficient_compatible_system_gives_the_minimum_norm_solution()
    {
        // Intercept plus every level of two factors: two exact collinearities (rank n − 2).
        var design = OneHotDesign.Random(31, 150, [5, 4], Coding.Full);
        var a = design.ToMatrix();
        Assert.Equal(design.Columns - 2, Singular(a).Rank);
        var b = a * RandomVector(32, design.Columns);

        var result = Solve(design, b, Defaults);

        AssertCompatiblePromise(a, b, result, Defaults, a.PseudoInverse() * b);
    }

    [Fact]
    public void Rank_deficient_dense_least_squares_gives_the_minimum_norm_solution()
    {
        // Column 3 = column 0 + column 1: an inconsistent b has infinitely many LS solutions.
        var a = RandomMatrix(41, 50, 6);
        a.SetColumn(3, a.Column(0) + a.Column(1));
        Assert.Equal(5, Singular(a).Rank);
        var b = RandomVector(42, 50);

        var result = Solve(DenseOperator.From(a), b, Defaults);

        AssertLeastSquaresPromise(a, b, result, Defaults, a.PseudoInverse() * b);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(3.0)]
    public void Damped_solve_equals_the_ridge_closed_form(double damp)
    {
        var a = RandomMatrix(51, 80, 10);
        var b = RandomVector(52, 80);
        var options = Defaults with { Damp = damp };

        var result = Solve(DenseOperator.From(a), b, options);

        // (AᵀA + λ²I)⁻¹Aᵀb by Cholesky: SPD with smallest eigenvalue ≥ λ².
        var normal = a.TransposeThisAndMultiply(a) + (damp * damp * Matrix<double>.Build.DenseIdentity(10));
        var ridge = normal.Cholesky().Solve(a.TransposeThisAndMultiply(b));
        AssertLeastSquaresPromise(a, b, result, options, ridge);
    }
}
