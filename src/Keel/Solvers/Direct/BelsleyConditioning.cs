// Belsley's collinearity diagnostics: the scaled condition number, condition indexes and
// variance-decomposition proportions, from a one-sided Jacobi SVD of the unit-length columns.
//
// Objective: for the kept columns X = A(:, K) scaled to unit Euclidean length, Z = X·D^{-1},
// Z = U Σ V': the scaled condition number kappa = sigma_max/sigma_min (the result's
// condition_number), the condition indexes eta_j = sigma_max/sigma_j, and the proportions
// pi_jk = phi_kj / Σ_j phi_kj with phi_kj = v_kj²/sigma_j², the share of the variance of
// coefficient k attached to singular value j.
// Reference: Belsley, Kuh & Welsch (1980), Regression Diagnostics, ch. 3 (§3.2 scaling to unit
// length without centering, §3.3 the decomposition); Belsley (1991), Conditioning Diagnostics.
// The SVD is JacobiSvd (Demmel & Veselić 1992): small sigma_j are found to high relative
// accuracy, so even kappa near 1/u is reported with a meaningful leading digit.
//
// Invariant: the result does not depend on the units of the columns (scaling to unit length);
// a zero kept column or sigma_min = 0 gives kappa = +infinity (no estimate, never NaN).
// Cost: 2·m·r² (QR inside the SVD) + about 6·r³ per Jacobi sweep, r = |K|.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Direct;

/// <summary>Belsley's table: sigma_j, eta_j and the proportions pi[j, k] (rows: singular values, columns: kept coefficients).</summary>
internal sealed record BelsleyDiagnostics(
    double ConditionNumber,
    double[] SingularValues,
    double[] ConditionIndexes,
    DenseMatrix VarianceProportions,
    bool Converged);

/// <summary>Scaled condition number and Belsley diagnostics of the kept columns of a design.</summary>
internal static class BelsleyConditioning
{
    /// <summary>sigma_max/sigma_min of A(:, keptColumns) after scaling each column to unit Euclidean length.</summary>
    public static double ScaledConditionNumber(DenseMatrix a, IReadOnlyList<int> keptColumns) =>
        Diagnose(a, keptColumns).ConditionNumber;

    /// <summary>The full Belsley table of A(:, keptColumns) scaled to unit-length columns.</summary>
    public static BelsleyDiagnostics Diagnose(DenseMatrix a, IReadOnlyList<int> keptColumns)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(keptColumns);
        int r = keptColumns.Count;
        var z = new DenseMatrix(a.Rows, r);
        bool zeroColumn = false;
        for (int p = 0; p < r; p++)
        {
            ReadOnlySpan<double> column = a.Column(keptColumns[p]);
            double norm = UnitScale(column);
            zeroColumn |= norm == 0;
            Span<double> target = z.Column(p);
            for (int i = 0; i < column.Length; i++)
            {
                target[i] = norm == 0 ? 0.0 : column[i] / norm;
            }
        }

        JacobiSvd svd = JacobiSvd.Compute(z);
        double[] sigma = svd.SingularValues;
        double sigmaMax = r == 0 ? 0.0 : sigma[0];
        double sigmaMin = r == 0 ? 0.0 : sigma[r - 1];
        double kappa = r == 0 ? 1.0 : (zeroColumn || sigmaMin == 0 ? double.PositiveInfinity : sigmaMax / sigmaMin);
        var indexes = new double[r];
        for (int j = 0; j < r; j++)
        {
            indexes[j] = sigma[j] == 0 ? double.PositiveInfinity : sigmaMax / sigma[j];
        }

        return new BelsleyDiagnostics(kappa, sigma, indexes, Proportions(svd, r), svd.Converged);
    }

    /// <summary>pi[j, k] = (v_kj²/sigma_j²) / Σ_j (v_kj²/sigma_j²); NaN column when some sigma_j = 0.</summary>
    private static DenseMatrix Proportions(JacobiSvd svd, int r)
    {
        var pi = new DenseMatrix(r, r);
        DenseMatrix v = svd.RightSingularVectors;
        for (int k = 0; k < r; k++)
        {
            double total = 0;
            for (int j = 0; j < r; j++)
            {
                double ratio = v[k, j] / svd.SingularValues[j];
                pi[j, k] = ratio * ratio;
                total += pi[j, k];
            }

            for (int j = 0; j < r; j++)
            {
                pi[j, k] = double.IsFinite(total) && total > 0 ? pi[j, k] / total : double.NaN;
            }
        }

        return pi;
    }

    /// <summary>||x||₂ computed after an exact power-of-two prescaling, so it neither overflows nor underflows.</summary>
    private static double UnitScale(ReadOnlySpan<double> x)
    {
        double maxAbs = 0;
        foreach (double value in x)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(value));
        }

        if (maxAbs == 0)
        {
            return 0.0;
        }

        int e = Math.ILogB(maxAbs);
        double pre = Math.ScaleB(1.0, -e);
        double sumOfSquares = 0;
        foreach (double value in x)
        {
            double t = value * pre;
            sumOfSquares += t * t;
        }

        return Math.ScaleB(Math.Sqrt(sumOfSquares), e);
    }
}
