using Keel.Model;

namespace Keel.Solvers;

/// <summary>The dense path: QR of the weighted cells design. (Wired to the direct solver when it lands.)</summary>
internal static class DenseSolve
{
    public static LeastSquaresSolution Solve(Design design) => throw new NotSupportedException($"dense solver not wired yet ({design.SolvedCount} columns)");
}
