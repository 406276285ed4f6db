// SolverSelection: which least-squares path `--solver` and the design's size choose, and why in words.
//
// Rule: --solver qr and lsmr are taken as asked; auto takes dense pivoted QR while the design fits the
//   dense limits below (exact, with refinement, and affordable) and LSMR over the level codes beyond
//   them. The reason is written into solver.reason, so a user sees which path ran and why.
using Keel.Model;

namespace Keel.Solvers;

/// <summary>The chosen path: dense QR or LSMR, with the reason for solver.reason.</summary>
internal sealed record SolverSelection(bool Dense, string Reason)
{
    /// <summary>The path for <paramref name="design"/> under <paramref name="requested"/>.</summary>
    public static SolverSelection For(Design design, SolverChoice requested)
    {
        bool dense = requested == SolverChoice.Qr
            || (requested == SolverChoice.Auto && DenseLimits.Fits(design.CellCount, design.SolvedCount));
        string reason = requested != SolverChoice.Auto
            ? $"requested --solver {requested.ToString().ToLowerInvariant()}"
            : dense
                ? $"{design.SolvedCount} parameters over {design.CellCount} cells fit the dense limits (p <= {DenseLimits.MaxColumns}, cells*p <= {DenseLimits.MaxEntries:0.#e0}, 2*cells*p^2 <= {DenseLimits.MaxFlops:0.#e0}): pivoted QR is exact and affordable"
                : $"{design.SolvedCount} parameters over {design.CellCount} cells exceed the dense limits: LSMR over the level codes";
        return new SolverSelection(dense, reason);
    }
}

/// <summary>
/// Size limits of the dense path. Dense QR costs about 2·cells·p² flops and 8·cells·p bytes; above
/// these limits `auto` chooses LSMR, which costs one pass over the cells' slots per iteration.
/// </summary>
internal static class DenseLimits
{
    /// <summary>At most this many solved columns (the dense factor alone is p² doubles).</summary>
    public const int MaxColumns = 3000;

    /// <summary>At most this many matrix entries, cells × p (8 bytes each: 400 MB).</summary>
    public const long MaxEntries = 50_000_000;

    /// <summary>At most this many flops for the factorisation (tens of seconds on one core at the worst).</summary>
    public const double MaxFlops = 2e10;

    public static bool Fits(int cells, int columns) =>
        columns <= MaxColumns
        && (long)cells * columns <= MaxEntries
        && 2.0 * cells * columns * (double)columns <= MaxFlops;
}
