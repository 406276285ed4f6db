using Keel.LinearAlgebra;

namespace Keel.Solvers.Penalized;

/// <summary>
/// The λ sequence of a path: PathLength values from λ_max down to MinRatio·λ_max, equally spaced on
/// the log scale (Friedman, Hastie &amp; Tibshirani 2010, §2.5). Warm starts make each step cheap.
/// </summary>
internal static class LambdaPath
{
    /// <summary>glmnet's lambda.min.ratio: 1e-4 when rows exceed parameters, else 1e-2.</summary>
    public static double DefaultMinRatio(long rows, int parameters) => rows > parameters ? 1e-4 : 1e-2;

    public static double[] Grid(double lambdaMax, int length, double minRatio)
    {
        if (length < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "a path has at least one λ");
        }

        // λ_k = λ_max·exp((k/(K−1))·log ratio); k = 0 is λ_max exactly. Keel's own Log and Exp
        // (not Math.Pow, whose last bit is the platform libm's) so the grid, and every penalized
        // fit along it, is the same bits on every OS, CPU and runtime setting.
        var grid = new double[length];
        double logRatio = length == 1 ? 0.0 : ElementaryFunctions.Log(minRatio);
        for (int k = 0; k < length; k++)
        {
            grid[k] = k == 0 ? lambdaMax : lambdaMax * ElementaryFunctions.Exp(k / (double)(length - 1) * logRatio);
        }

        return grid;
    }

    /// <summary>The grid's values above <paramref name="lambda"/>, then <paramref name="lambda"/> itself: the warm-start road to one λ.</summary>
    public static double[] Toward(double[] grid, double lambda)
    {
        var path = grid.Where(g => g > lambda).ToList();
        path.Add(lambda);
        return [.. path];
    }
}
