// What an LSMR run returns and what it reports while running. Every norm but NormX is the
// recurrence's estimate (Fong & Saunders 2011, "Norms and stopping rules"), not a recomputation;
// tests recompute them from Solution. They refer to the problem LSMR iterated on: with damping λ, NormR = ‖[b − Ax; −λx]‖
// and NormAR = ‖Aᵀ(b − Ax) − λ²x‖; with column scaling, A is A·D and NormX is ‖z‖ = ‖D⁻¹x‖.

namespace Keel.Solvers.Iterative;

/// <summary>The outcome of <see cref="Lsmr.Solve"/>.</summary>
internal sealed class LsmrResult
{
    internal LsmrResult(
        double[] solution,
        LsmrStopReason stopReason,
        int iterations,
        double normR,
        double normAR,
        double normA,
        double condA,
        double normX,
        double[] normARByIteration)
    {
        Solution = solution;
        StopReason = stopReason;
        Iterations = iterations;
        NormR = normR;
        NormAR = normAR;
        NormA = normA;
        CondA = condA;
        NormX = normX;
        NormARByIteration = normARByIteration;
    }

    /// <summary>x, length Columns (mapped back to the original columns when column scaling was used).</summary>
    public double[] Solution { get; }

    /// <summary>The rule that ended the run.</summary>
    public LsmrStopReason StopReason { get; }

    /// <summary>True for a convergence rule; false for ConditionLimit, ConditionAtMachinePrecision and IterationLimit.</summary>
    public bool Converged => StopReason.IsConverged();

    /// <summary>Number of bidiagonalisation steps taken (each one A·v and one Aᵀ·u).</summary>
    public int Iterations { get; }

    /// <summary>Estimate of ‖r‖ = ‖b − Ax‖ (with damping ‖[b − Ax; −λx]‖).</summary>
    public double NormR { get; }

    /// <summary>Estimate of ‖Aᵀr‖ (with damping ‖Aᵀ(b − Ax) − λ²x‖); |ζ̄| of the recurrence.</summary>
    public double NormAR { get; }

    /// <summary>
    /// ‖B_k‖_F, the estimate of ‖A‖_F the stopping rules use (damping not included). In exact
    /// arithmetic it grows with k and stays ≤ ‖A‖_F; once the Lanczos vectors lose orthogonality it
    /// keeps growing and can exceed ‖A‖_F (by a third on a one-hot test case): a scale, not a bound.
    /// </summary>
    public double NormA { get; }

    /// <summary>Estimate of cond(Ā): max/min of |diag R̄_k|, at most cond(Ā) in exact arithmetic (Ritz values lie within the spectrum).</summary>
    public double CondA { get; }

    /// <summary>‖x‖ of the iterate (of z under column scaling), computed by a reduction.</summary>
    public double NormX { get; }

    /// <summary>‖Aᵀr‖ estimate after each iteration, index k − 1 for iteration k: one double per step, for a convergence plot.</summary>
    public double[] NormARByIteration { get; }
}

/// <summary>One iteration's report to an <see cref="IProgress{T}"/> observer.</summary>
/// <param name="Iteration">k, starting at 1.</param>
/// <param name="NormR">Estimate of ‖r_k‖.</param>
/// <param name="NormAR">Estimate of ‖Aᵀr_k‖.</param>
/// <param name="NormA">Estimate of ‖A‖ so far.</param>
/// <param name="CondA">Estimate of cond(A) so far.</param>
/// <param name="NormX">‖x_k‖.</param>
internal readonly record struct LsmrProgress(int Iteration, double NormR, double NormAR, double NormA, double CondA, double NormX);
