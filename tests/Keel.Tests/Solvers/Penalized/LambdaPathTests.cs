using Keel.Solvers.Penalized;

namespace Keel.Tests.Solvers.Penalized;

/// <summary>
/// The λ grid is built from Keel's own Log and Exp (reproducible bits on every platform). The expected
/// values are closed forms: with K = 5 and ratio 1e-4 the grid is λ_max·(1, 1e-1, 1e-2, 1e-3, 1e-4).
/// Tolerance: log(1e-4) ≈ −9.21 is computed to about 1 ulp (≈ 1.8e-15 absolute), scaled by t ≤ 1, then
/// exp adds under 1 ulp and the product with λ_max one rounding: relative error below about 3e-15;
/// 1e-14 leaves a margin and is still far below any spacing of the grid.
/// </summary>
public class LambdaPathTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(3.75)]
    [InlineData(1e-300)]
    [InlineData(7e200)]
    public void The_grid_is_log_equally_spaced_from_lambda_max_down_to_ratio_times_lambda_max(double lambdaMax)
    {
        double[] grid = LambdaPath.Grid(lambdaMax, 5, 1e-4);
        double[] powers = [1.0, 1e-1, 1e-2, 1e-3, 1e-4];
        Assert.Equal(lambdaMax, grid[0]); // the first λ is λ_max itself, exactly
        for (int k = 0; k < 5; k++)
        {
            double expected = lambdaMax * powers[k];
            Assert.True(Math.Abs(grid[k] - expected) <= 1e-14 * expected, $"k = {k}: {grid[k]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void A_long_grid_is_strictly_decreasing_with_a_constant_ratio_between_neighbours()
    {
        double[] grid = LambdaPath.Grid(2.5, 100, 1e-2);
        // Neighbour ratio is exactly 1e-2^(1/99) = 10^(-2/99); each λ carries relative error below 3e-15 (see above).
        double step = 0.954548456661834; // 10^(-2/99) = 0.95454845666183402924… (mpmath, 30 digits)
        for (int k = 1; k < grid.Length; k++)
        {
            Assert.True(grid[k] < grid[k - 1]);
            Assert.True(Math.Abs((grid[k] / grid[k - 1]) - step) <= 1e-14, $"k = {k}");
        }

        Assert.True(Math.Abs(grid[^1] - 2.5e-2) <= 1e-14 * 2.5e-2);
    }

    [Fact]
    public void A_one_point_grid_is_lambda_max()
    {
        Assert.Equal([4.0], LambdaPath.Grid(4.0, 1, 1e-4));
    }
}
