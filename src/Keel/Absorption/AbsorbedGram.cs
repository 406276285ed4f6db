using Keel.Model;

namespace Keel.Absorption;

/// <summary>
/// Rank, aliasing and the covariance diagonal for designs too large for dense QR, from the Gram
/// matrix G = XᵀWX with the largest categorical term absorbed.
/// Method: the columns of a categorical-only term F have disjoint supports, so G_FF = D is diagonal
/// and F is eliminated exactly (the "absorption" of Stata's areg and of fixed-effects solvers).
/// What is left is the Schur complement S = G_RR − G_RF·D⁻¹·G_FR over the q other columns, small
/// when the other factors are small. A left-looking Cholesky of S in decision order
/// (<see cref="DecisionOrder"/>) with column deletion decides each column: aliased when its pivot,
/// the squared distance of the column from the span of every column decided before it, is at most
/// <see cref="RankTolerance"/> times its squared norm. F's columns, decided first, are always kept.
/// Reference: Golub &amp; Van Loan, Matrix Computations (4th ed.), §4.2.8 (Cholesky with pivoting)
/// and §3.2.11 (block elimination); Guimarães &amp; Portugal (2010) for absorbing a factor.
/// Cost: Σ_cells (slots²) to form S, q³/3 for the factorisation; memory q² doubles.
/// Limits: decisions on the Gram matrix see squared distances, so a column closer than about
/// 1e-6·√q (relative) to the span of earlier ones is taken as aliased.
/// </summary>
internal sealed class AbsorbedGram
{
    /// <summary>
    /// Squared-distance threshold relative to the column's squared norm, per column of S:
    /// pivots carry rounding errors of order q·eps·‖G‖, and 2^-40 leaves a margin of 2^12 above them.
    /// </summary>
    public static readonly double RankTolerancePerColumn = Math.ScaleB(1.0, -40);

    /// <summary>
    /// Largest Schur complement factorised densely: q³/3 flops in vector lanes (about 1.5 s on two
    /// cores at the limit; docs/benchmarks.md), 8q² bytes each for S and L.
    /// </summary>
    public const int MaxSchurColumns = 4000;

    private AbsorbedGram(int[] absorbed, int[] rest, SequentialCholesky cholesky, bool[] aliased, Dictionary<int, IReadOnlyList<(int, double)>> dependencies, double[]? covarianceDiagonal)
    {
        Absorbed = absorbed;
        Rest = rest;
        Cholesky = cholesky;
        Aliased = aliased;
        Dependencies = dependencies;
        CovarianceDiagonal = covarianceDiagonal;
    }

    public int[] Absorbed { get; }

    /// <summary>The non-absorbed solved columns in decision order: position k of S is column Rest[k].</summary>
    public int[] Rest { get; }

    /// <summary>The factorisation of S over <see cref="Rest"/> (kept positions and L), reused by the block preconditioner.</summary>
    public SequentialCholesky Cholesky { get; }

    public bool[] Aliased { get; }

    public Dictionary<int, IReadOnlyList<(int Column, double Coefficient)>> Dependencies { get; }

    /// <summary>diag((XᵀWX)⁻¹) over solved columns, NaN for aliased ones, null when too costly.</summary>
    public double[]? CovarianceDiagonal { get; }

    /// <summary>x_cᵀ(XᵀWX)⁻¹x_c for every cell, computed when called (<see cref="CellVarianceFactors"/>); null when too costly.</summary>
    public Func<double[]>? VarianceFactorByCell { get; init; }

    public static double RankTolerance(int q) => (q + 1) * RankTolerancePerColumn;

    /// <summary>Decides rank and aliasing, or returns null when the Schur complement is too large to factorise densely.</summary>
    /// <param name="threads">Threads for the per-level work; the bits do not depend on it.</param>
    /// <param name="diagnostics">False: the decision and the factor only (aliased columns marked, their
    /// dependencies and the covariance diagonal left out), for a likelihood fit's intermediate steps.</param>
    public static AbsorbedGram? TryCreate(Design design, int threads = 1, bool diagnostics = true)
    {
        int p = design.SolvedCount;
        int[] order = DecisionOrder.For(design);
        int[] absorbed = ChooseAbsorbed(design, order);
        var isAbsorbed = new bool[p];
        foreach (int f in absorbed)
        {
            isAbsorbed[f] = true;
        }

        int[] rest = order.Where(j => !isAbsorbed[j]).ToArray();
        if (rest.Length > MaxSchurColumns)
        {
            return null;
        }

        var positionOfRest = new int[p];
        Array.Fill(positionOfRest, -1);
        for (int k = 0; k < rest.Length; k++)
        {
            positionOfRest[rest[k]] = k;
        }

        var clock = new SubStageClock("rank and aliasing");
        SchurComplement.AbsorbedColumns levels = SchurComplement.GramAgainstAbsorbedLevels(design, isAbsorbed, positionOfRest, rest.Length, threads);
        clock.Lap("absorbed levels' Gram columns");
        var schur = SchurComplement.Build(design, levels, positionOfRest, rest.Length, threads, out double[] diagonalOfAbsorbed, out double[] gramDiagonal);
        clock.Lap($"Schur complement ({rest.Length} columns)");
        var cholesky = SequentialCholesky.Factor(schur, rest.Length, gramDiagonal, RankTolerance(rest.Length), threads);
        clock.Lap("Cholesky");

        var aliased = new bool[p];
        var dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>();
        // Each dependency expressed in all columns; independent, so threads share them with no effect on any bit.
        var expressed = new IReadOnlyList<(int, double)>[cholesky.Dependencies.Count];
        Parallel.For(0, expressed.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, d =>
        {
            (int k, double[] onKept) = cholesky.Dependencies[d];
            // A zero column (every cell of it weight 0: separated cells of a likelihood fit) depends on nothing.
            expressed[d] = gramDiagonal[k] == 0 || !diagnostics
                ? []
                : SchurComplement.FullDependency(design, levels, isAbsorbed, positionOfRest, rest, diagonalOfAbsorbed, cholesky, onKept, rest[k]);
        });
        for (int d = 0; d < expressed.Length; d++)
        {
            int column = rest[cholesky.Dependencies[d].Column];
            aliased[column] = true;
            dependencies[column] = expressed[d];
        }

        clock.Lap("dependencies");
        double[]? covariance = diagnostics ? SchurComplement.CovarianceDiagonal(design, levels, rest, diagonalOfAbsorbed, cholesky, aliased, threads) : null;
        clock.Lap("covariance diagonal");
        return new AbsorbedGram(absorbed, rest, cholesky, aliased, dependencies, covariance)
        {
            VarianceFactorByCell = CellVarianceFactors.Affordable(design, levels, cholesky.Kept.Count)
                ? () => CellVarianceFactors.Compute(design, levels, positionOfRest, diagonalOfAbsorbed, cholesky, threads)
                : null,
        };
    }

    // The largest term is absorbed when it is categorical-only (at most one slot per cell, so D is
    // diagonal) and, with an intercept, leaves some cell uncovered (else the intercept would lie in its span).
    public static int[] ChooseAbsorbed(Design design, int[] order)
    {
        int[] candidate = WithWeight(design, DecisionOrder.LargestTerm(design, order));
        if (candidate.Length == 0)
        {
            return [];
        }

        var inTerm = new bool[design.SolvedCount];
        foreach (int j in candidate)
        {
            inTerm[j] = true;
        }

        bool someCellUncovered = false;
        for (int c = 0; c < design.CellCount; c++)
        {
            int hits = 0;
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                hits += j >= 0 && inTerm[j] ? 1 : 0;
            }

            if (hits > 1)
            {
                return [];
            }

            someCellUncovered |= hits == 0;
        }

        return !design.Formula.HasIntercept || someCellUncovered ? candidate : [];
    }

    // The columns of the term with a cell of positive weight. A level whose cells all have weight 0
    // (a likelihood fit gives separated cells weight 0) has a zero column: absorbed, its pivot D_k = 0
    // would divide S's update 0/0; left to the rest, the rank stage finds it dependent, as it is.
    private static int[] WithWeight(Design design, int[] candidate)
    {
        var weighted = new bool[design.SolvedCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            if (design.CellWeight[c] > 0)
            {
                for (int s = 0; s < design.SlotsPerCell; s++)
                {
                    int at = (c * design.SlotsPerCell) + s;
                    int j = design.SlotColumn[at];
                    if (j >= 0 && design.SlotValue[at] != 0)
                    {
                        weighted[j] = true;
                    }
                }
            }
        }

        return candidate.All(j => weighted[j]) ? candidate : candidate.Where(j => weighted[j]).ToArray();
    }
}
