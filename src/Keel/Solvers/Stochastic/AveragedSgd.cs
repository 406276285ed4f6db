// AveragedSgd: least squares on cells by stochastic gradient descent with iterate averaging.
//
// Objective (over rows): (1/(2W))·Σ_rows w(y − x'β)², W = Σw; on cells the same minimiser from
//   (1/(2W))·Σ_cells w_c(ȳ_c − x_c'β)² (the pure error is a constant). A step samples cell c with
//   probability w_c/W — an unbiased draw of a row — and moves β_t = β_{t−1} + γ·(ȳ_c − x_c'β_{t−1})·x_c;
//   the estimate is the running average β̄_t = (1/t)·Σ_{s≤t} β_s.
// Reference: Polyak & Juditsky (1992), "Acceleration of stochastic approximation by averaging",
//   SIAM J. Control Optim. 30(4) (averaging); Bach & Moulines (2013), "Non-strongly-convex smooth
//   stochastic approximation with convergence rate O(1/n)", NeurIPS, §3 (constant step γ = 1/(4R²)
//   for least squares, R² ≥ ‖x‖², with E[f(β̄_n)] − f* ≤ (2/n)·(σ√d + R‖β₀ − β*‖)²).
// Invariant: after step t, averageByColumn = mean of the iterates β_1..β_t. One random stream
//   (SplitMix64 from the seed) and a fixed order: same seed, same data, same bits.
// Cost: one step costs O(slots) (the average is kept lazily, per column); an epoch (cells steps) plus the stopping check one pass each.
using Keel.LinearAlgebra;
using Keel.Model;

namespace Keel.Solvers.Stochastic;

/// <summary>How averaged SGD ended.</summary>
internal enum SgdStop
{
    /// <summary>‖Aᵀr‖ ≤ Tolerance·‖A‖_F·‖r‖ at the averaged iterate.</summary>
    Converged,

    /// <summary>MaxEpochs passes without meeting the tolerance.</summary>
    EpochLimit,
}

/// <summary>The averaged iterate and how it was reached.</summary>
internal sealed record SgdResult(double[] Coefficients, SgdStop Stop, int Epochs, double RelativeGradient, double Step);

/// <summary>Averaged SGD over the cells of a design (see the file header).</summary>
internal static class AveragedSgd
{
    public static SgdResult Solve(Design design, SgdOptions options, bool[]? frozen = null, CancellationToken cancel = default)
    {
        int m = design.CellCount;
        int p = design.SolvedCount;
        int slots = design.SlotsPerCell;
        var cumulativeWeight = new double[m];
        double total = 0;
        double radiusSquared = 0;
        for (int c = 0; c < m; c++)
        {
            total += design.CellWeight[c];
            cumulativeWeight[c] = total;
            double norm = 0;
            for (int s = 0; s < slots; s++)
            {
                int j = design.SlotColumn[(c * slots) + s];
                double v = j >= 0 && !(frozen?[j] ?? false) ? design.SlotValue[(c * slots) + s] : 0.0;
                norm += v * v;
            }

            radiusSquared = Math.Max(radiusSquared, norm);
        }

        double gamma = options.StepFactor / radiusSquared;
        // Every step is linear in y and γ does not depend on it: targets beyond 2^±400 run scaled by
        // 2^k (exact) and the average is scaled back, so no product overflows.
        int k = design.TargetScaleExponent;
        var beta = new double[p];
        // Lazy averaging: sumByColumn[j] = Σ_{s ≤ lastStepByColumn[j]} β_j,s; β_j is constant between its updates.
        var sumByColumn = new double[p];
        var lastStepByColumn = new long[p];
        var average = new double[p];
        ulong state = options.Seed;
        long t = 0;
        var a = new DesignOperator(design);
        double normA = Math.Sqrt(Kernels.Sum(design.ColumnSquaredNorms()));
        double relative = double.PositiveInfinity;
        for (int epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            for (int step = 0; step < m; step++)
            {
                int c = SampleCell(cumulativeWeight, total, ref state);
                int at = c * slots;
                double fitted = 0;
                for (int s = 0; s < slots; s++)
                {
                    int j = design.SlotColumn[at + s];
                    fitted += j >= 0 ? design.SlotValue[at + s] * beta[j] : 0.0;
                }

                double move = gamma * (Math.ScaleB(design.CellMean[c], k) - fitted);
                t++;
                for (int s = 0; s < slots; s++)
                {
                    int j = design.SlotColumn[at + s];
                    if (j >= 0 && !(frozen?[j] ?? false))
                    {
                        // β_j held its old value for steps lastStep+1 .. t−1; account them, then move.
                        sumByColumn[j] += beta[j] * (t - 1 - lastStepByColumn[j]);
                        lastStepByColumn[j] = t - 1;
                        beta[j] += move * design.SlotValue[at + s];
                    }
                }
            }

            // Polyak–Juditsky mean of the iterates: average = (1/t)·Σ_{s≤t} β_s.
            for (int j = 0; j < p; j++)
            {
                average[j] = (sumByColumn[j] + (beta[j] * (t - lastStepByColumn[j]))) / t;
            }

            relative = RelativeGradient(a, average, normA, k);
            if (relative <= options.Tolerance)
            {
                return new SgdResult(average.Select(b => Math.ScaleB(b, -k)).ToArray(), SgdStop.Converged, epoch, relative, gamma);
            }
        }

        return new SgdResult(average.Select(b => Math.ScaleB(b, -k)).ToArray(), SgdStop.EpochLimit, options.MaxEpochs, relative, gamma);
    }

    /// <summary>‖Aᵀr‖ / (‖A‖_F·‖r‖) at β over the weighted cells design (LSMR's stop-2 ratio).</summary>
    public static double RelativeGradient(DesignOperator a, double[] beta, double normA, int targetScaleExponent = 0)
    {
        double[] b = a.RightHandSide(targetScaleExponent);
        var r = new double[a.Rows];
        a.Multiply(beta, r);
        for (int c = 0; c < r.Length; c++)
        {
            r[c] = b[c] - r[c];
        }

        var g = new double[a.Columns];
        a.MultiplyTransposed(r, g);
        double normR = Kernels.Norm2(r);
        return normR == 0 ? 0.0 : Kernels.Norm2(g) / (normA * normR);
    }

    // A cell with probability w_c/W: u uniform in [0, W), the first c with cumulative weight > u.
    private static int SampleCell(double[] cumulativeWeight, double total, ref ulong state)
    {
        double u = (LinearAlgebra.SplitMix64.Next(ref state) >> 11) * (1.0 / 9007199254740992.0) * total;
        int lo = 0, hi = cumulativeWeight.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulativeWeight[mid] > u)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
