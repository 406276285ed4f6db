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

        // Refined covariance solves cost a refinement per kept column; affordable on small designs
        // (NIST-sized), where standard errors to the last digit are asked for. Elsewhere they come
        // from R⁻¹ with relative accuracy about κ·u, ample for standard errors.
        var options = DenseLeastSquaresOptions.Default with { RefineCovarianceDiagonal = (double)m * p * p <= RefinedCovarianceBudget };
        DenseLeastSquaresResult qr = DenseLeastSquares.Solve(hi, b, anyLow ? lo : null, bLow, options);
        double[] byPosition = qr.CoefficientByColumn();
        var coefficients = new double[p];
        var aliased = new bool[p];
        var covariance = new double[p];
        double[]? unrefinedCovariance = qr.CovarianceDiagonal is null ? CovarianceDiagonalFromR(qr) : null;
        for (int j = 0; j < p; j++)
        {
            coefficients[j] = byPosition[positionOf[j]];
            int kept = qr.KeptPositionOf(positionOf[j]);
            aliased[j] = kept < 0;
            covariance[j] = kept >= 0 ? (qr.CovarianceDiagonal is { } cov ? cov[kept] : unrefinedCovariance![kept]) : double.NaN;
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
            Covariance = () => CovarianceBySolvedColumn(qr, positionOf, p),
            BetweenCellsResidualSumOfSquares = qr.ResidualSumOfSquares,
            ConditionNumber = ExactConditionAffordable(qr.Rank) ? BelsleyConditioning.ScaledConditionNumber(qr.KeptR(), Enumerable.Range(0, qr.Rank).ToArray()) : null,
            ConditionMethod = ExactConditionAffordable(qr.Rank) ? "exact (one-sided Jacobi SVD of R of the kept design, columns scaled to unit length)" : "not computed (more than 1500 kept columns for the exact SVD)",
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

    /// <summary>m·p² below which the covariance diagonal is refined in double-double.</summary>
    private const double RefinedCovarianceBudget = 2e7;

    // One-sided Jacobi on R costs about 10 sweeps of r³ flops.
    private static bool ExactConditionAffordable(int r) => r <= 1500;

    // diag((R'R)⁻¹) = row sums of squares of R⁻¹ (never forming R'R).
    private static double[] CovarianceDiagonalFromR(DenseLeastSquaresResult qr)
    {
        DenseMatrix r = qr.KeptR();
        int n = r.Rows;
        var inverse = new double[n * n];
        var diagonal = new double[n];
        for (int col = n - 1; col >= 0; col--)
        {
            // Column col of R⁻¹ by back substitution: R·x = e_col.
            inverse[(col * n) + col] = 1.0 / r[col, col];
            for (int i = col - 1; i >= 0; i--)
            {
                double s = 0;
                for (int k = i + 1; k <= col; k++)
                {
                    s -= r[i, k] * inverse[(col * n) + k];
                }

                inverse[(col * n) + i] = s / r[i, i];
            }
        }

        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int col = i; col < n; col++)
            {
                s += inverse[(col * n) + i] * inverse[(col * n) + i];
            }

            // R is of the columns scaled by powers of two (exact); undo it exactly.
            double scale = qr.ScaleOf(qr.KeptColumns[i]);
            diagonal[i] = s * scale * scale;
        }

        return diagonal;
    }
}
