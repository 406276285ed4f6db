using Keel.Absorption;
using Keel.Diagnostics;
using Keel.Model;

namespace Keel.Solvers.Stochastic;

/// <summary>
/// The SGD path: aliasing from the absorbed Gram matrix (as on the LSMR path), then averaged SGD on
/// the identified columns only (aliased columns are held at 0, so the iterate solves the identified model).
/// </summary>
internal static class SgdSolve
{
    public static LeastSquaresSolution Solve(Design design, SgdOptions options, CancellationToken cancel)
    {
        AbsorbedGram? rank = AbsorbedGram.TryCreate(design);
        bool[] aliased = rank?.Aliased ?? design.ColumnSquaredNorms().Select(n => n == 0).ToArray();
        SgdResult sgd = AveragedSgd.Solve(design, options, aliased, cancel);
        double[] coefficients = sgd.Coefficients;
        for (int j = 0; j < coefficients.Length; j++)
        {
            coefficients[j] = aliased[j] ? double.NaN : coefficients[j];
        }

        return new LeastSquaresSolution
        {
            Coefficients = coefficients,
            Aliased = aliased,
            Dependencies = rank?.Dependencies.ToDictionary(kv => kv.Key, kv => kv.Value) ?? [],
            CovarianceDiagonal = rank?.CovarianceDiagonal,
            Converged = sgd.Stop == SgdStop.Converged,
            Iterations = sgd.Epochs,
            Tolerance = options.Tolerance,
            StopReason = System.FormattableString.Invariant($"{sgd.Stop} after {sgd.Epochs} epochs (step {sgd.Step:G6}, ‖Aᵀr‖/(‖A‖·‖r‖) = {sgd.RelativeGradient:G3})"),
            AliasingChecked = rank is not null,
        };
    }
}
