using Keel.Model;
using Keel.Pipeline;

namespace Keel.Solvers;

/// <summary>The iterative path: LSMR over the level codes. (Wired when the solver lands.)</summary>
internal static class IterativeSolve
{
    public static LeastSquaresSolution Solve(Design design, FitOptions options, CancellationToken cancel) => throw new NotSupportedException($"LSMR not wired yet ({design.SolvedCount} columns, {options.Solver}, {cancel.IsCancellationRequested})");
}
