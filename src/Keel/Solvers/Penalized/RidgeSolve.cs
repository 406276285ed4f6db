// RidgeSolve: ridge regression exactly, as the least-squares problem of an augmented design.
//
// Objective (over rows, glmnet's scaling): (1/(2W))·Σ_rows w(y − x'β)² + (λ/2)·‖β_P‖², intercept
//   unpenalised; (with an elastic-net α = 0 this is the whole penalty). Multiplying by 2W and
//   replacing rows by cells (the pure error is a constant): min Σ_cells w_c(ȳ_c − x_c'β)² + λW‖β_P‖²
//   = min ‖[√W_c X; √(λW) I_P]β − [√W_c ȳ; 0]‖², an ordinary least-squares problem.
// Reference: Hoerl & Kennard (1970), Technometrics 12(1); Björck (1996), "Numerical Methods for
//   Least Squares Problems", §2.7.4 (regularisation by augmentation; solve it by QR, never through
//   X'X + λI). Large designs: LSMR on the augmented operator, which is LSMR's damped problem with a
//   damping that spares the intercept (Fong & Saunders 2011, §1, the damp parameter).
// Invariant: for λ > 0 the augmented design has full column rank whenever every intercept-free
//   column is penalised, so the solution is unique; as λ → 0 it tends to the minimum-‖β_P‖ least-
//   squares solution, whose identified coefficients are OLS's.
// Cost: dense QR of (cells + p) × p, 2(cells + p)p² flops; LSMR: one pass over the slots per step.
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Solvers.Direct;
using Keel.Solvers.Iterative;

namespace Keel.Solvers.Penalized;

/// <summary>Ridge by augmentation: dense QR when it fits, LSMR on the augmented operator otherwise.</summary>
internal static class RidgeSolve
{
    /// <summary>The ridge coefficients at λ (with the L2 share 1 − α of it), and how they were computed.</summary>
    public static (double[] Coefficients, string Method, bool Converged, int Iterations) Solve(Design design, bool[] penalized, double lambda, bool dense, LsmrOptions lsmrOptions, CancellationToken cancel)
    {
        int m = design.CellCount;
        int p = design.SolvedCount;
        double totalWeight = Kernels.Sum(design.CellWeight);
        double damp = Math.Sqrt(lambda * totalWeight);
        int[] penalizedColumns = Enumerable.Range(0, p).Where(j => penalized[j]).ToArray();
        // Ridge at a fixed λ is linear in y: targets beyond 2^±400 are solved scaled by 2^k (exact,
        // so √W·ȳ cannot overflow) and the coefficients scaled back.
        int targetScale = design.TargetScaleExponent;
        if (dense)
        {
            var a = new DenseMatrix(m + penalizedColumns.Length, p);
            var b = new double[m + penalizedColumns.Length];
            for (int c = 0; c < m; c++)
            {
                double sqrtW = Math.Sqrt(design.CellWeight[c]);
                b[c] = sqrtW * Math.ScaleB(design.CellMean[c], targetScale);
                for (int s = 0; s < design.SlotsPerCell; s++)
                {
                    int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                    if (j >= 0)
                    {
                        a[c, j] += sqrtW * design.SlotValue[(c * design.SlotsPerCell) + s];
                    }
                }
            }

            for (int k = 0; k < penalizedColumns.Length; k++)
            {
                a[m + k, penalizedColumns[k]] = damp;
            }

            DenseLeastSquaresResult qr = DenseLeastSquares.Solve(a, b);
            return (qr.CoefficientByColumn().Select(b => Math.ScaleB(b, -targetScale)).ToArray(), "exact: Householder QR of the augmented design [√W·X; √(λW)·I] with refinement", true, qr.Refinement.Steps);
        }

        var op = new DesignOperator(design);
        double[] squaredNorms = design.ColumnSquaredNorms();
        foreach (int j in penalizedColumns)
        {
            squaredNorms[j] += damp * damp;
        }

        var rhs = new double[op.Rows + penalizedColumns.Length];
        op.RightHandSide(targetScale).CopyTo(rhs, 0);
        LsmrResult lsmr = Lsmr.SolveColumnScaled(new RidgeAugmentedOperator(op, penalizedColumns, damp), rhs, squaredNorms, lsmrOptions, cancel);
        return (lsmr.Solution.Select(b => Math.ScaleB(b, -targetScale)).ToArray(), $"LSMR on the augmented design [√W·X; √(λW)·I] (stop: {lsmr.StopReason})", lsmr.Converged, lsmr.Iterations);
    }
}
