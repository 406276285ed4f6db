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
    public static LeastSquaresSolution Solve(Design design)
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
        bool anyLow = false;
        for (int c = 0; c < m; c++)
        {
            DoubleDouble sqrtW = DoubleDouble.Sqrt(DoubleDouble.FromDouble(design.CellWeight[c]));
            DoubleDouble rhs = DoubleDouble.Multiply(sqrtW, design.CellMeanExact[c]);
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

        DenseLeastSquaresResult qr = DenseLeastSquares.Solve(hi, b, anyLow ? lo : null, bLow);
        double[] byPosition = qr.CoefficientByColumn();
        var coefficients = new double[p];
        var aliased = new bool[p];
        var covariance = new double[p];
        for (int j = 0; j < p; j++)
        {
            coefficients[j] = byPosition[positionOf[j]];
            int kept = qr.KeptPositionOf(positionOf[j]);
            aliased[j] = kept < 0;
            covariance[j] = kept >= 0 && qr.CovarianceDiagonal is { } cov ? cov[kept] : double.NaN;
            coefficients[j] = aliased[j] ? double.NaN : coefficients[j];
        }

        var dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>();
        foreach (AliasedColumn a in qr.AliasedColumns)
        {
            dependencies[order[a.Column]] = a.Dependency.Select(t => (order[t.Column], t.Coefficient)).OrderBy(t => t.Item1).ToList();
        }

        return new LeastSquaresSolution
        {
            Coefficients = coefficients,
            Aliased = aliased,
            Dependencies = dependencies,
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
            ConditionNumber = ExactConditionAffordable(m, qr.Rank) ? BelsleyConditioning.ScaledConditionNumber(hi, qr.KeptColumns) : null,
            ConditionMethod = ExactConditionAffordable(m, qr.Rank) ? "exact (one-sided Jacobi SVD of the column-scaled kept design)" : "not computed (design too large for the exact SVD)",
            Iterations = qr.Refinement.Steps,
            StopReason = $"refinement {qr.Refinement.Status}",
        };
    }

    // One-sided Jacobi costs about 10 sweeps of m·r² flops; beyond ~3e8 per sweep it would outlast the solve.
    private static bool ExactConditionAffordable(int m, int r) => (double)m * r * r <= 3e8;
}
