using Keel.Absorption;
using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>
/// The diagnose stage's verdict on a cells design, taken before any solve: which solved columns are
/// aliased, the exact dependency of each, and whether the decision was exact. The solve that follows
/// keeps it (an aliased column gets no estimate, never a minimum-norm number called an effect).
/// </summary>
/// <remarks>
/// Two methods, by the design's size (<c>Solvers/SolverSelection</c> picks the path first, from the
/// sizes alone): within the dense limits the rank-revealing QR decides, and its factor is the one the
/// dense solve then uses (<c>Solvers/DenseSolve.Factor</c>); beyond them <see cref="ForLargeDesign"/>
/// decides from the absorbed Gram matrix, the two-factor graph or the full-rank certificate, in that order.
/// </remarks>
internal sealed class RankDecision
{
    /// <summary>By solved column: true when the column is a combination of columns decided before it (<see cref="DecisionOrder"/>).</summary>
    public required bool[] Aliased { get; init; }

    /// <summary>Each aliased column's dependency on kept columns (solved index, coefficient), ascending; empty when not computed.</summary>
    public required IReadOnlyDictionary<int, IReadOnlyList<(int Column, double Coefficient)>> Dependencies { get; init; }

    /// <summary>False when no exact method applied (only empty columns are marked): ALIASING_UNCHECKED.</summary>
    public required bool Exact { get; init; }

    /// <summary>The absorbed Gram matrix's decision, when that method decided: its factor preconditions LSMR and gives standard errors.</summary>
    public AbsorbedGram? Gram { get; init; }

    /// <summary>True when full rank was proved by <see cref="FullRankCertificate"/> (no dense decision was affordable).</summary>
    public bool Certified { get; init; }

    /// <summary>
    /// Rank and aliasing of a design beyond the dense limits: the absorbed Gram matrix when its Schur
    /// complement is small enough (<see cref="AbsorbedGram.MaxSchurColumns"/>), else the exact graph
    /// rule for two factors, else full rank proved from within-level connectivity; when none applies,
    /// only empty columns are marked and <see cref="Exact"/> is false.
    /// </summary>
    /// <param name="threads">Threads for the per-level work; no bit depends on it.</param>
    /// <param name="detail">False for a likelihood fit's intermediate steps: the decision only, no dependencies or covariance diagonal.</param>
    public static RankDecision ForLargeDesign(Design design, int threads, bool detail = true)
    {
        AbsorbedGram? gram = AbsorbedGram.TryCreate(design, threads, detail);
        if (gram is not null)
        {
            return new RankDecision { Aliased = gram.Aliased, Dependencies = gram.Dependencies, Exact = true, Gram = gram };
        }

        if (TwoFactorGraph.TryCreate(design) is { } graph)
        {
            return new RankDecision { Aliased = graph.Aliased, Dependencies = graph.Dependencies, Exact = true };
        }

        bool certified = FullRankCertificate.HoldsForCells(design, threads) == true;
        double[] squaredNorms = design.ColumnSquaredNorms();
        return new RankDecision
        {
            Aliased = squaredNorms.Select(n => n == 0).ToArray(),
            Dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>(),
            Exact = certified,
            Certified = certified,
        };
    }
}
