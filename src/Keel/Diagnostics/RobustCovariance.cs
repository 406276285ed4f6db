// RobustCovariance: heteroskedasticity-robust (HC1) and cluster-robust (CR1) variances from cells.
//
// Objective: the sandwich V = c·B·M·B, B = (X'WX)⁻¹ (over the kept columns), for the weighted least
//   squares fit β̂ with row residuals e_i = y_i − x_i'β̂.
//   HC1 (MacKinnon & White 1985, eq. for HC1; White 1980): M = Σ_rows w_i²e_i²·x_i x_i',
//     c = n/(n − k), n rows, k the rank.
//   CR1 (Cameron & Miller 2015, "A practitioner's guide to cluster-robust inference", J. Human
//     Resources 50(2), §II.C, eq. 11 and the Stata small-sample factor): M = Σ_g s_g s_g',
//     s_g = Σ_{i∈g} w_i e_i x_i, c = G/(G − 1)·(n − 1)/(n − k).
// From cells: rows of a cell share x_c (and, with --cluster, the cluster), so
//   s_g = Σ_{c∈g} x_c·Σ_{i∈c} w_i(y_i − f_c) = Σ_{c∈g} x_c·(Σwy − f_c·Σw) = Σ_{c∈g} x_c·w_c(ȳ_c − f_c):
//   exact from the sums, with or without weights. For HC1, Σ_{i∈c} w_i²e_i² needs Σw², Σw²y, Σw²y²,
//   which cells do not keep; with unit weights it is Σ_{i∈c}(y_i − f_c)² = pure error of the cell +
//   n_c·(ȳ_c − f_c)², exact from the sums. HC1 is therefore offered only without --weights.
// Invariant: V_jj = c·Σ_units (a_unit'·B_j)², B_j the j-th column of B, a unit a cell (HC1: a =
//   √h_c·x_c) or a cluster (a = s_g); sums in cell order, clusters in code order: same data, same bits.
// Cost: HC1 cells·slots·k; CR1 the same plus G·k; memory O(k) beyond B.
using Keel.LinearAlgebra;
using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>Robust variances of the estimates over solved columns (NaN for aliased), from the cells.</summary>
internal static class RobustCovariance
{
    /// <summary>HC1 variances. <paramref name="covariance"/> is B = (X'WX)⁻¹ over solved columns; requires unit row weights.</summary>
    public static double[] Hc1(Design design, DenseMatrix covariance, bool[] aliased, double[] fittedByCell, long rows, int rank)
    {
        int p = design.SolvedCount;
        var variance = new double[p];
        var u = new double[p];
        for (int c = 0; c < design.CellCount; c++)
        {
            double d = design.CellMean[c] - fittedByCell[c];
            double pure = PureError.OfCell(design.Cells.SumW[c], design.Cells.SumWy[c], design.Cells.SumWy2[c], design.Cells.RowCount[c]);
            // Σ_{i∈c} e_i² = within-cell SS + n_c·(ȳ_c − f_c)² (unit weights: n_c = Σw).
            double meat = pure + (design.CellWeight[c] * d * d);
            CovarianceTimesRow(design, covariance, aliased, c, 1.0, u, accumulate: false);
            for (int j = 0; j < p; j++)
            {
                variance[j] += meat * u[j] * u[j];
            }
        }

        double factor = rows / (double)(rows - rank);
        return Finish(variance, aliased, factor);
    }

    /// <summary>CR1 variances clustered by the key column <paramref name="clusterKey"/> of the cells.</summary>
    public static double[] Clustered(Design design, DenseMatrix covariance, bool[] aliased, double[] fittedByCell, int clusterKey, long rows, int rank, out int clusters)
    {
        int p = design.SolvedCount;
        int[] order = Enumerable.Range(0, design.CellCount).OrderBy(c => design.Cells.Code(c, clusterKey)).ThenBy(c => c).ToArray();
        var variance = new double[p];
        var u = new double[p];
        clusters = 0;
        for (int start = 0; start < order.Length;)
        {
            int code = design.Cells.Code(order[start], clusterKey);
            Array.Clear(u);
            int end = start;
            for (; end < order.Length && design.Cells.Code(order[end], clusterKey) == code; end++)
            {
                int c = order[end];
                // s_g gains x_c·w_c(ȳ_c − f_c); u = B·s_g accumulates B·x_c times that.
                double score = design.CellWeight[c] * (design.CellMean[c] - fittedByCell[c]);
                CovarianceTimesRow(design, covariance, aliased, c, score, u, accumulate: true);
            }

            for (int j = 0; j < p; j++)
            {
                variance[j] += u[j] * u[j];
            }

            clusters++;
            start = end;
        }

        double factor = clusters > 1 ? clusters / (double)(clusters - 1) * (rows - 1) / (double)(rows - rank) : double.NaN;
        return Finish(variance, aliased, factor);
    }

    // u (+)= scale·B·x_c over kept columns.
    private static void CovarianceTimesRow(Design design, DenseMatrix covariance, bool[] aliased, int cell, double scale, double[] u, bool accumulate)
    {
        if (!accumulate)
        {
            Array.Clear(u);
        }

        int slots = design.SlotsPerCell;
        for (int s = 0; s < slots; s++)
        {
            int k = design.SlotColumn[(cell * slots) + s];
            if (k < 0 || aliased[k])
            {
                continue;
            }

            double x = scale * design.SlotValue[(cell * slots) + s];
            for (int j = 0; j < u.Length; j++)
            {
                u[j] += aliased[j] ? 0.0 : covariance[j, k] * x;
            }
        }
    }

    private static double[] Finish(double[] variance, bool[] aliased, double factor)
    {
        for (int j = 0; j < variance.Length; j++)
        {
            variance[j] = aliased[j] ? double.NaN : factor * variance[j];
        }

        return variance;
    }
}
