using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Solvers.Direct;

namespace Keel.Solvers;

/// <summary>
/// The dense path: the weighted cells design √W·X formed in double-double (√W, x^k and the cell
/// means each carried to about 106 bits), columns permuted into <see cref="DecisionOrder"/>, then
/// Householder QR with sequential rank decisions and Björck's refinement (<see cref="DenseLeastSquares"/>).
/// </summary>
internal static class DenseSolve
{
    /// <summary>Factors and solves in one call: for a likelihood fit's weighted steps and the remedies' reference fits.</summary>
    /// <param name="design">The weighted cells design.</param>
    /// <param name="diagnostics">False skips what only a reported solve needs (Belsley's SVD, the refined
    /// covariance diagonal): the likelihood iterations' intermediate steps. The coefficients are the same bits.</param>
    public static LeastSquaresSolution Solve(Design design, bool diagnostics = true) => Solve(Factor(design, diagnostics));

    /// <summary>
    /// The diagnose stage of the dense path: the weighted design in double-double, its rank-revealing
    /// QR in <see cref="DecisionOrder"/> (rank, aliasing and each aliased column's dependency) and its
    /// conditioning (Belsley's SVD of R, or a Lanczos estimate beyond its size). The solve reuses the factor.
    /// </summary>
    public static DenseDesignFactor Factor(Design design, bool diagnostics = true)
    {
        int m = design.CellCount;
        int p = design.SolvedCount;
        int[] order = DecisionOrder.For(design);
        var positionOf = new int[p];
        for (int k = 0; k < p; k++)
        {
            positionOf[order[k]] = k;
        }

        var hi = new DenseMatrix(m, p);
        var lo = new DenseMatrix(m, p);
        var b = new double[m];
        var bLow = new double[m];
        int targetScale = design.TargetScaleExponent;
        bool anyLow = false;
        for (int c = 0; c < m; c++)
        {
            DoubleDouble sqrtW = DoubleDouble.Sqrt(DoubleDouble.FromDouble(design.CellWeight[c]));
            // Targets near 1e±300 are solved scaled by 2^k (exact) and the coefficients scaled back.
            DoubleDouble mean = design.CellMeanExact[c];
            DoubleDouble rhs = DoubleDouble.Multiply(sqrtW, new DoubleDouble(Math.ScaleB(mean.Hi, targetScale), Math.ScaleB(mean.Lo, targetScale)));
            b[c] = rhs.Hi;
            bLow[c] = rhs.Lo;
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int at = (c * design.SlotsPerCell) + s;
                int j = design.SlotColumn[at];
                if (j < 0)
                {
                    continue;
                }

                var value = new DoubleDouble(design.SlotValue[at], design.SlotValueLow?[at] ?? 0.0);
                DoubleDouble entry = DoubleDouble.Multiply(sqrtW, value);
                hi[c, positionOf[j]] = entry.Hi;
                lo[c, positionOf[j]] = entry.Lo;
                anyLow |= entry.Lo != 0;
            }
        }

        // Refined covariance solves cost a refinement per kept column; affordable on small designs
        // (NIST-sized), where standard errors to the last digit are asked for. Elsewhere the solver
        // takes them from R⁻¹ with relative accuracy about κ·u, ample for standard errors.
        var options = DenseLeastSquaresOptions.Default with { RefineCovarianceDiagonal = diagnostics && (double)m * p * p <= RefinedCovarianceBudget };
        DenseLeastSquaresFactor qr = DenseLeastSquares.Factor(hi, anyLow ? lo : null, options);
        var aliased = Enumerable.Repeat(true, p).ToArray();
        foreach (int kept in qr.KeptColumns)
        {
            aliased[order[kept]] = false;
        }

        var dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>();
        foreach (AliasedColumn a in qr.AliasedColumns)
        {
            dependencies[order[a.Column]] = a.Dependency.Select(t => (order[t.Column], t.Coefficient)).OrderBy(t => t.Item1).ToList();
        }

        BelsleyDiagnostics? belsley = diagnostics && ExactConditionAffordable(qr.Rank) && qr.Rank > 0
            ? BelsleyConditioning.Diagnose(qr.KeptR(), Enumerable.Range(0, qr.Rank).ToArray())
            : null;
        // Beyond the exact SVD's size: Lanczos estimates through R (ConditionEstimate).
        var estimate = diagnostics && belsley is null && qr.Rank > 0 ? Iterative.ConditionEstimate.FromTriangularFactor(qr.KeptR()) : null;
        return new DenseDesignFactor
        {
            Rank = new RankDecision { Aliased = aliased, Dependencies = dependencies, Exact = true },
            Qr = qr,
            Order = order,
            PositionOf = positionOf,
            Target = b,
            TargetLow = bLow,
            TargetScale = targetScale,
            ConditionNumber = belsley?.ConditionNumber ?? estimate?.ConditionNumber,
            ConditionIndexes = belsley?.ConditionIndexes,
            ConditionMethod = belsley is not null ? "exact (one-sided Jacobi SVD of R of the kept design, columns scaled to unit length)"
                : estimate is not null ? $"{estimate.Method}; more than 1500 kept columns for the exact SVD"
                : "not estimated: no kept column or a likelihood step",
            NearDependencies = belsley is null ? null : NearDependencies(belsley, qr, order),
        };
    }

    /// <summary>The refined solution of a factored design, with the factor's decisions and conditioning.</summary>
    public static LeastSquaresSolution Solve(DenseDesignFactor factor)
    {
        int p = factor.PositionOf.Length;
        int[] order = factor.Order;
        int[] positionOf = factor.PositionOf;
        int targetScale = factor.TargetScale;
        DenseLeastSquaresResult qr = DenseLeastSquares.Solve(factor.Qr, factor.Target, factor.TargetLow);
        double[] byPosition = qr.CoefficientByColumn();
        var coefficients = new double[p];
        var covariance = new double[p];
        bool[] aliased = factor.Rank.Aliased;
        for (int j = 0; j < p; j++)
        {
            int kept = qr.KeptPositionOf(positionOf[j]);
            covariance[j] = kept >= 0 && qr.CovarianceDiagonal is { } cov ? cov[kept] : double.NaN;
            coefficients[j] = aliased[j] ? double.NaN : Math.ScaleB(byPosition[positionOf[j]], -targetScale);
        }

        return new LeastSquaresSolution
        {
            Coefficients = coefficients,
            Aliased = aliased,
            Dependencies = factor.Rank.Dependencies,
            CovarianceDiagonal = covariance,
            VarianceFactor = v =>
            {
                var permuted = new double[p];
                for (int j = 0; j < p; j++)
                {
                    permuted[positionOf[j]] = v[j];
                }

                return qr.VarianceFactor(permuted);
            },
            Covariance = () => CovarianceBySolvedColumn(qr, positionOf, p),
            BetweenCellsResidualSumOfSquares = Math.ScaleB(qr.ResidualSumOfSquares, -2 * targetScale),
            KeptCovariance = () => KeptCovariance(qr, order),
            ConditionNumber = factor.ConditionNumber,
            ConditionIndexes = factor.ConditionIndexes,
            ConditionMethod = factor.ConditionMethod,
            NearDependencies = factor.NearDependencies,
            Iterations = qr.Refinement.Steps,
            StopReason = $"refinement {qr.Refinement.Status}",
        };
    }

    // (X'WX)⁻¹ by solved column from the kept-position covariance R⁻¹R⁻ᵀ; NaN for aliased columns.
    private static DenseMatrix CovarianceBySolvedColumn(DenseLeastSquaresResult qr, int[] positionOf, int p)
    {
        DenseMatrix kept = qr.Covariance();
        var full = new DenseMatrix(p, p);
        for (int j = 0; j < p; j++)
        {
            int kj = qr.KeptPositionOf(positionOf[j]);
            for (int i = 0; i < p; i++)
            {
                int ki = qr.KeptPositionOf(positionOf[i]);
                full[i, j] = ki >= 0 && kj >= 0 ? kept[ki, kj] : double.NaN;
            }
        }

        return full;
    }

    /// <summary>Belsley's threshold: condition indexes from 30 up signal a harmful near-dependency.</summary>
    private const double HarmfulConditionIndex = 30;

    private static List<NearDependency> NearDependencies(BelsleyDiagnostics belsley, DenseLeastSquaresFactor qr, int[] order)
    {
        var result = new List<NearDependency>();
        for (int k = 0; k < belsley.ConditionIndexes.Length; k++)
        {
            if (!(belsley.ConditionIndexes[k] >= HarmfulConditionIndex))
            {
                continue;
            }

            var involved = new List<(int, double)>();
            for (int t = 0; t < qr.Rank; t++)
            {
                double proportion = belsley.VarianceProportions[k, t];
                if (proportion >= 0.5)
                {
                    involved.Add((order[qr.KeptColumns[t]], proportion));
                }
            }

            result.Add(new NearDependency(belsley.ConditionIndexes[k], involved));
        }

        return result;
    }

    /// <summary>m·p² below which the covariance diagonal is refined in double-double.</summary>
    private const double RefinedCovarianceBudget = 2e7;

    // (X'WX)⁻¹ by kept position (decision order) reordered to ascending solved columns.
    private static (int[] Columns, double[] Matrix) KeptCovariance(DenseLeastSquaresResult qr, int[] order)
    {
        DenseMatrix byPosition = qr.Covariance();
        int r = qr.Rank;
        int[] positions = Enumerable.Range(0, r).OrderBy(k => order[qr.KeptColumns[k]]).ToArray();
        int[] columns = positions.Select(k => order[qr.KeptColumns[k]]).ToArray();
        var matrix = new double[r * r];
        for (int a = 0; a < r; a++)
        {
            for (int b = 0; b < r; b++)
            {
                matrix[(a * r) + b] = byPosition[positions[a], positions[b]];
            }
        }

        return (columns, matrix);
    }

    // One-sided Jacobi on R costs about 10 sweeps of r³ flops.
    private static bool ExactConditionAffordable(int r) => r <= 1500;
}

/// <summary>
/// The dense path's diagnosis of a design (<see cref="DenseSolve.Factor"/>): its rank decision and
/// conditioning, with the QR factor and the weighted target the solve takes from it.
/// </summary>
internal sealed class DenseDesignFactor
{
    public required RankDecision Rank { get; init; }

    public required DenseLeastSquaresFactor Qr { get; init; }

    /// <summary>Solved columns in decision order, and each solved column's position in it.</summary>
    public required int[] Order { get; init; }

    public required int[] PositionOf { get; init; }

    /// <summary>√w·(cell mean)·2^k in double-double, by cell.</summary>
    public required double[] Target { get; init; }

    public required double[] TargetLow { get; init; }

    /// <summary>k of the exact scaling 2^k of targets near 1e±300.</summary>
    public required int TargetScale { get; init; }

    public double? ConditionNumber { get; init; }

    public double[]? ConditionIndexes { get; init; }

    public required string ConditionMethod { get; init; }

    public List<NearDependency>? NearDependencies { get; init; }
}
