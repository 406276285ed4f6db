// Building the block (Schur-complement) preconditioner for a design, and LSMR on it with refinement.
//
// Objective: min ‖Ax − b‖ over the kept columns, solved as min ‖(A·R⁻¹)y − b‖, x = R⁻¹y (see
//   SchurPreconditionedOperator), then checked against the column-scaled LSMR stopping rules in the
//   original columns and refined on the residual when they are not met.
// Choice of L (L·Lᵀ ≈ S, S the Schur complement of the absorbed factor over the kept columns):
//   1. the rank decision's own Cholesky of S when it was formed (≤ AbsorbedGram.MaxSchurColumns
//      columns): exact, so A·R⁻¹ has orthonormal columns and LSMR needs a handful of iterations;
//   2. otherwise, when sparse S is thin (at most ThinGraphEntriesPerColumn lower entries per column,
//      checked by bounding the work of forming it first; two factors of many levels: S is a weighted
//      graph Laplacian plus a diagonal), its complete sparse Cholesky in minimum-degree order when the
//      factor has at most FillBudget entries (exact again), else IC(0) on S's pattern;
//   3. otherwise diag(S) (the absorbed factor is still eliminated exactly). Measured: on random designs
//      (dense level graphs, expanders) diag(S) converges in tens of iterations, and IC(0) saved about
//      half of them at several times their cost in setup, so it is not used there.
//   On the sparse paths, levels of the absorbed factor that touch more than HeavyLevelColumns kept
//   columns are not absorbed but kept as columns of S (a star in S instead of a dense clique).
// Refinement: r = b − Ax; stop when ‖D·Aᵀr‖ ≤ Atol·√n·‖r‖ (rule 2 of LSMR on A·D, D = diag(1/‖a_j‖),
//   with ‖A·D‖ ≤ ‖A·D‖_F = √n for n kept unit columns) or ‖r‖ ≤ Btol·‖b‖ + Atol·√n·‖D⁻¹x‖ (rule 1);
//   else solve min ‖(A·R⁻¹)δ − r‖ and add R⁻¹δ (classical iterative refinement for least squares,
//   Björck, Numerical Methods for Least Squares Problems (1996), §2.9), at most MaxRefinements times.
// References: Fong & Saunders (2011) for LSMR and its stopping rules; Kyng & Sachdeva (2016),
//   "Approximate Gaussian elimination for Laplacians: fast, sparse, and simple" (FOCS), for the
//   randomized Cholesky that the `within` crate uses where IC(0) is used here.
// Invariant: every step is serial or uses the design operator's one-owner products, and every norm
//   goes through Kernels: the same bits for any thread count.

using Keel.Absorption;
using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Model;

namespace Keel.Solvers.Iterative;

/// <summary>Chooses and builds the Schur-complement preconditioner; solves with refinement.</summary>
internal static class SchurPreconditioner
{
    /// <summary>Largest factor L̃ (off-diagonal entries) computed completely; beyond it, IC(0) on S's pattern.</summary>
    public const long FillBudget = 3_000_000;

    /// <summary>
    /// An absorbed level whose cells touch more kept columns than this stays a column of S instead
    /// (its clique of t² entries in S becomes a star of t): partial absorption keeps sparse S sparse
    /// on skewed level frequencies.
    /// </summary>
    public const int HeavyLevelColumns = 64;

    /// <summary>
    /// A complete sparse factor is attempted only when S has at most this many lower entries per
    /// column (a thin graph: chains and trees of levels, the low-mobility case). Denser level graphs of
    /// random designs are expanders, whose Cholesky fills in almost completely; there the attempt would
    /// only cost time before falling back to IC(0).
    /// </summary>
    public const int ThinGraphEntriesPerColumn = 4;

    /// <summary>Refinement rounds after the first solve at most.</summary>
    public const int MaxRefinements = 3;

    /// <summary>
    /// IC(0) pivots below this fraction of S_ii count as breakdown: at 2^-40 a pivot has lost about
    /// 12 of 16 digits to cancellation, and L⁻¹ would amplify rounding by 2^20.
    /// </summary>
    public static readonly double PivotFloor = Math.ScaleB(1.0, -40);

    /// <summary>The preconditioned operator, or null when no factor can be absorbed.</summary>
    public static SchurPreconditionedOperator? TryCreate(Design design, ILinearOperator a, AbsorbedGram? rank, bool[] aliased)
    {
        int p = design.SolvedCount;
        // The decision order is needed only without a rank result (the rank stage has chosen already).
        int[]? order = rank is null ? DecisionOrder.For(design) : null;
        int[] absorbed = rank?.Absorbed ?? AbsorbedGram.ChooseAbsorbed(design, order!);
        if (rank is null && absorbed.Length == 0)
        {
            return null;
        }

        var absorbedOf = new int[p];
        Array.Fill(absorbedOf, -1);
        for (int k = 0; k < absorbed.Length; k++)
        {
            absorbedOf[absorbed[k]] = k;
        }

        var absorbedOfCell = new int[design.CellCount];
        var absorbedValueOfCell = new double[design.CellCount];
        Array.Fill(absorbedOfCell, -1);
        for (int c = 0; c < design.CellCount; c++)
        {
            int at = c * design.SlotsPerCell;
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[at + s];
                if (j >= 0 && absorbedOf[j] >= 0)
                {
                    absorbedOfCell[c] = absorbedOf[j];
                    absorbedValueOfCell[c] = Math.Sqrt(design.CellWeight[c]) * design.SlotValue[at + s];
                }
            }
        }

        int[] keptRest;
        ISchurFactor factor;
        if (rank is not null)
        {
            var cholesky = rank.Cholesky;
            int r = cholesky.Kept.Count;
            keptRest = cholesky.Kept.Select(k => rank.Rest[k]).ToArray();
            var l = new double[r * r];
            for (int i = 0; i < r; i++)
            {
                for (int t = 0; t <= i; t++)
                {
                    l[(i * r) + t] = cholesky.L(i, t);
                }
            }

            factor = new DenseSchurFactor(l, r);
        }
        else
        {
            keptRest = order!.Where(j => absorbedOf[j] < 0 && !aliased[j]).ToArray();
            var keptOf = KeptPositions(keptRest, p);
            var sparse = TryThinSchur(design, absorbed, absorbedOfCell, absorbedValueOfCell, keptRest, p, keptOf);
            if (sparse is { } thin)
            {
                (absorbed, absorbedOfCell, absorbedValueOfCell, keptRest, factor) = thin;
            }
            else
            {
                factor = new DiagonalSchurFactor(SparseSchurComplement.Diagonal(design, absorbedOfCell, absorbedValueOfCell, absorbed.Length, keptOf, keptRest.Length).Select(SafeSqrt).ToArray());
            }
        }

        return new SchurPreconditionedOperator(a, design, absorbed, keptRest, absorbedOfCell, absorbedValueOfCell, factor);
    }

    /// <summary>
    /// LSMR on <paramref name="preconditioned"/> with refinement in the original columns
    /// (<paramref name="squaredNorms"/>: ‖a_j‖², 0 for columns outside the solve).
    /// </summary>
    public static (double[] Solution, LsmrResult Last, int Iterations, int Rounds, bool Converged) Solve(
        SchurPreconditionedOperator preconditioned, ILinearOperator a, double[] b, double[] squaredNorms, LsmrOptions options, CancellationToken ct, IProgress<LsmrProgress>? progress)
    {
        int n = a.Columns;
        var x = new double[n];
        var step = new double[n];
        var residual = (double[])b.Clone();
        var ax = new double[a.Rows];
        var gradient = new double[n];
        double normB = Kernels.Norm2(b);
        double sqrtKept = Math.Sqrt(squaredNorms.Count(s => s > 0));
        LsmrResult last = null!;
        int iterations = 0;
        for (int round = 0; round <= MaxRefinements; round++)
        {
            last = Lsmr.Solve(preconditioned, residual, options, ct, progress);
            iterations += last.Iterations;
            if (last.StopReason == LsmrStopReason.NonFiniteValue)
            {
                // The factor met a value it cannot represent (a weighted problem too ill-conditioned for
                // S's normal-equations factor): keep the last finite x and say it did not converge.
                return (x, last, iterations, round + 1, false);
            }

            preconditioned.ToOriginal(last.Solution, step);
            Kernels.Axpy(1.0, step, x);
            a.Multiply(x, ax);
            for (int c = 0; c < residual.Length; c++)
            {
                residual[c] = b[c] - ax[c];
            }

            a.MultiplyTransposed(residual, gradient);
            double normR = Kernels.Norm2(residual);
            for (int j = 0; j < n; j++)
            {
                gradient[j] = squaredNorms[j] > 0 ? gradient[j] / Math.Sqrt(squaredNorms[j]) : 0;
                step[j] = x[j] * Math.Sqrt(squaredNorms[j]);
            }

            double normScaledGradient = Kernels.Norm2(gradient);
            double normZ = Kernels.Norm2(step);
            bool rule2 = normScaledGradient <= options.Atol * sqrtKept * normR;
            bool rule1 = normR <= (options.Btol * normB) + (options.Atol * sqrtKept * normZ);
            if (rule1 || rule2)
            {
                return (x, last, iterations, round + 1, true);
            }
        }

        return (x, last, iterations, MaxRefinements + 1, false);
    }

    // Sparse S with heavy levels kept as columns, factored, when S is thin; else null (the caller uses diag(S)
    // with the whole factor absorbed).
    private static (int[] Absorbed, int[] AbsorbedOfCell, double[] AbsorbedValueOfCell, int[] KeptRest, ISchurFactor Factor)? TryThinSchur(
        Design design, int[] absorbed, int[] absorbedOfCell, double[] absorbedValueOfCell, int[] keptRest, int p, int[] keptOf)
    {
        int[] touched = SparseSchurComplement.TouchedByAbsorbed(design, absorbedOfCell, absorbed.Length, keptOf);
        absorbedOfCell = (int[])absorbedOfCell.Clone();
        absorbedValueOfCell = (double[])absorbedValueOfCell.Clone();
        if (touched.Any(t => t > HeavyLevelColumns))
        {
            // A level touching many columns adds a dense clique to S; as a column of S it adds a star.
            int[] heavy = Enumerable.Range(0, absorbed.Length).Where(k => touched[k] > HeavyLevelColumns).ToArray();
            var newPosition = new int[absorbed.Length];
            int light = 0;
            for (int k = 0; k < absorbed.Length; k++)
            {
                newPosition[k] = touched[k] > HeavyLevelColumns ? -1 : light++;
            }

            for (int c = 0; c < absorbedOfCell.Length; c++)
            {
                int k = absorbedOfCell[c];
                absorbedOfCell[c] = k >= 0 ? newPosition[k] : -1;
                absorbedValueOfCell[c] = absorbedOfCell[c] >= 0 ? absorbedValueOfCell[c] : 0;
            }

            keptRest = [.. keptRest, .. heavy.Select(k => absorbed[k])];
            absorbed = absorbed.Where((_, k) => newPosition[k] >= 0).ToArray();
            keptOf = KeptPositions(keptRest, p);
        }

        long budget = (ThinGraphEntriesPerColumn * 8L * keptRest.Length) + (4L * design.CellCount);
        var lower = SparseSchurComplement.TryBuildLower(design, absorbedOfCell, absorbedValueOfCell, absorbed.Length, keptOf, keptRest.Length, budget);
        if (lower is not { } s || s.RowStart[^1] > ThinGraphEntriesPerColumn * (long)keptRest.Length)
        {
            return null;
        }

        (int[] order, int[][]? later) = MinimumDegreeOrdering.Compute(s.RowStart, s.Column, FillBudget);
        var factor = SparseCholeskyFactor.Factor(s.RowStart, s.Column, s.Value, order, later, PivotFloor);
        return (absorbed, absorbedOfCell, absorbedValueOfCell, keptRest, factor);
    }

    private static int[] KeptPositions(int[] keptRest, int p)
    {
        var keptOf = new int[p];
        Array.Fill(keptOf, -1);
        for (int t = 0; t < keptRest.Length; t++)
        {
            keptOf[keptRest[t]] = t;
        }

        return keptOf;
    }

    private static double SafeSqrt(double s) => s > 0 ? Math.Sqrt(s) : 1.0;
}
