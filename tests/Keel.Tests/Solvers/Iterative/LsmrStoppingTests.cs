// The stopping rules one by one (table in docs/lsmr.md): each is reached on a case built for it,
// and Converged is false exactly for the condition and iteration limits. Also misuse: bad
// options and bad right-hand sides throw; numerical outcomes never do.

using Keel.Solvers.Iterative;
using MathNet.Numerics.LinearAlgebra;
using static Keel.Tests.Solvers.Iterative.LsmrOracle;

namespace Keel.Tests.Solvers.Iterative;

public class LsmrStoppingTests
{
    private static readonly LsmrOptions MachinePrecision = LsmrOptions.Default with { Atol = 0, Btol = 0, ConditionLimit = 0 };

    [Fact]
    public void Zero_right_hand_side_gives_the_zero_solution_without_iterating()
    {
        var result = Lsmr.Solve(DenseOperator.From(RandomMatrix(1, 5, 3)), new double[5], LsmrOptions.Default);

        Assert.Equal(LsmrStopReason.ZeroSolution, result.StopReason);
        Assert.True(result.Converged);
        Assert.Equal(0, result.Iterations);
        Assert.Equal(new double[3], result.Solution);
        Assert.Empty(result.NormARByIteration);
    }

    [Fact]
    public void Right_hand_side_orthogonal_to_the_range_gives_the_zero_solution()
    {
        // A = [1; 1], b = [1; −1]: Aᵀb = 0 exactly, so x = 0 is the least-squares solution, ‖r‖ = ‖b‖.
        var result = Lsmr.Solve(new DenseOperator(2, 1, [1, 1]), [1, -1], LsmrOptions.Default);

        Assert.Equal(LsmrStopReason.ZeroSolution, result.StopReason);
        Assert.Equal(Math.Sqrt(2), result.NormR);
        Assert.Equal(0, result.NormAR);
    }

    [Fact]
    public void Iteration_limit_is_not_converged()
    {
        var design = OneHotDesign.Random(71, 500, [30, 20], Coding.Treatment);

        var result = Lsmr.Solve(design, RandomVector(72, 500).ToArray(), LsmrOptions.Default with { MaxIterations = 3 });

        Assert.Equal(LsmrStopReason.IterationLimit, result.StopReason);
        Assert.False(result.Converged);
        Assert.Equal(3, result.Iterations);
        Assert.Equal(3, result.NormARByIteration.Length);
    }

    [Fact]
    public void Zero_iteration_limit_returns_zero_and_is_not_converged()
    {
        var result = Lsmr.Solve(DenseOperator.From(RandomMatrix(2, 6, 3)), RandomVector(3, 6).ToArray(), LsmrOptions.Default with { MaxIterations = 0 });

        Assert.Equal(LsmrStopReason.IterationLimit, result.StopReason);
        Assert.Equal(new double[3], result.Solution);
    }

    [Fact]
    public void Condition_limit_stops_an_ill_conditioned_problem_and_is_not_converged()
    {
        // Singular values 1, 1e-2, …, 1e-8 (cond 1e8); exact tolerances leave rule 3 as the first to hold.
        var a = WithSingularValues(81, 40, [1, 1e-2, 1e-4, 1e-6, 1e-8]);
        var options = LsmrOptions.Default with { Atol = 0, Btol = 0, ConditionLimit = 1e3 };

        var result = Lsmr.Solve(DenseOperator.From(a), RandomVector(82, 40).ToArray(), options);

        Assert.Equal(LsmrStopReason.ConditionLimit, result.StopReason);
        Assert.False(result.Converged);
        Assert.True(result.CondA >= 1e3);
    }

    [Fact]
    public void Compatible_system_with_zero_tolerances_stops_at_machine_precision()
    {
        var a = RandomMatrix(91, 30, 6);
        var b = a * RandomVector(92, 6);

        var result = Lsmr.Solve(DenseOperator.From(a), b.ToArray(), MachinePrecision);

        Assert.Equal(LsmrStopReason.ResidualAtMachinePrecision, result.StopReason);
        Assert.True(result.Converged);
    }

    [Fact]
    public void Least_squares_with_zero_tolerances_stops_at_machine_precision()
    {
        var result = Lsmr.Solve(DenseOperator.From(RandomMatrix(93, 30, 6)), RandomVector(94, 30).ToArray(), MachinePrecision);

        Assert.Equal(LsmrStopReason.NormalEquationsAtMachinePrecision, result.StopReason);
        Assert.True(result.Converged);
    }

    [Theory]
    [InlineData(nameof(LsmrStopReason.ZeroSolution), true)]
    [InlineData(nameof(LsmrStopReason.ResidualSmall), true)]
    [InlineData(nameof(LsmrStopReason.NormalEquationsSmall), true)]
    [InlineData(nameof(LsmrStopReason.ConditionLimit), false)]
    [InlineData(nameof(LsmrStopReason.ResidualAtMachinePrecision), true)]
    [InlineData(nameof(LsmrStopReason.NormalEquationsAtMachinePrecision), true)]
    [InlineData(nameof(LsmrStopReason.ConditionAtMachinePrecision), false)]
    [InlineData(nameof(LsmrStopReason.IterationLimit), false)]
    public void Converged_is_false_only_for_condition_and_iteration_limits(string reason, bool converged)
    {
        Assert.Equal(converged, Enum.Parse<LsmrStopReason>(reason).IsConverged());
    }

    [Fact]
    public void Default_iteration_limit_is_ten_times_the_smaller_dimension_capped()
    {
        Assert.Equal(70, LsmrOptions.Default.ResolveMaxIterations(100, 7));
        Assert.Equal(int.MaxValue, LsmrOptions.Default.ResolveMaxIterations(int.MaxValue, int.MaxValue));
        Assert.Equal(4, (LsmrOptions.Default with { MaxIterations = 4 }).ResolveMaxIterations(100, 7));
    }

    [Fact]
    public void Misuse_throws()
    {
        var op = DenseOperator.From(RandomMatrix(3, 4, 2));
        double[] b = [1, 2, 3, 4];

        Assert.Throws<ArgumentOutOfRangeException>(() => Lsmr.Solve(op, b, LsmrOptions.Default with { Atol = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lsmr.Solve(op, b, LsmrOptions.Default with { Btol = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lsmr.Solve(op, b, LsmrOptions.Default with { Damp = double.PositiveInfinity }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lsmr.Solve(op, b, LsmrOptions.Default with { MaxIterations = -1 }));
        Assert.Throws<ArgumentException>(() => Lsmr.Solve(op, [1, 2, 3], LsmrOptions.Default));
        Assert.Throws<ArgumentException>(() => Lsmr.Solve(op, [1, double.NaN, 3, 4], LsmrOptions.Default));
    }

    /// <summary>U·diag(σ)·Vᵀ with U, V the Q factors of random matrices.</summary>
    private static Matrix<double> WithSingularValues(int seed, int rows, double[] sigma)
    {
        var u = RandomMatrix(seed, rows, sigma.Length).QR().Q.SubMatrix(0, rows, 0, sigma.Length);
        var v = RandomMatrix(seed + 1, sigma.Length, sigma.Length).QR().Q;
        return u * Matrix<double>.Build.DiagonalOfDiagonalArray(sigma) * v.Transpose();
    }
}
