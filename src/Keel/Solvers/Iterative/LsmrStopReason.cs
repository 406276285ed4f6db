// Why LSMR stopped. Values equal SciPy's istop codes 0..7 (Fong & Saunders 2011, stopping
// rules), so a run can be compared with a reference implementation by number. Norms are those of the problem
// LSMR iterates on (with damping Ā = [A; λI] and r̄ = [b − Ax; −λx]); eps = 2^-52.

namespace Keel.Solvers.Iterative;

/// <summary>The rule that ended an LSMR run (see docs/lsmr.md for the table).</summary>
internal enum LsmrStopReason
{
    /// <summary>istop 0: Aᵀb = 0 (including b = 0), so x = 0 solves the problem exactly; no iteration ran.</summary>
    ZeroSolution = 0,

    /// <summary>istop 1: ‖r‖ ≤ Btol·‖b‖ + Atol·‖A‖·‖x‖ — the system looks compatible and x solves it to the data's accuracy.</summary>
    ResidualSmall = 1,

    /// <summary>istop 2: ‖Aᵀr‖ ≤ Atol·‖A‖·‖r‖ — x solves the least-squares problem to the accuracy of A.</summary>
    NormalEquationsSmall = 2,

    /// <summary>istop 3: the estimate of cond(Ā) reached ConditionLimit. Not converged; x may be meaningful only in part.</summary>
    ConditionLimit = 3,

    /// <summary>istop 4: rule 1 with Atol = Btol = eps — the residual is as small as this machine can tell.</summary>
    ResidualAtMachinePrecision = 4,

    /// <summary>istop 5: rule 2 with Atol = eps — the normal equations hold as well as this machine can tell.</summary>
    NormalEquationsAtMachinePrecision = 5,

    /// <summary>istop 6: cond(Ā) ≥ 1/eps — numerically singular. Not converged.</summary>
    ConditionAtMachinePrecision = 6,

    /// <summary>istop 7: the iteration limit was reached before any other rule held. Not converged.</summary>
    IterationLimit = 7,

    /// <summary>
    /// No SciPy code: a norm or a Golub–Kahan scalar became NaN or infinite (overflow, or 1/β of a
    /// subnormal β). The iteration stopped before using it; x is the last finite iterate. Not converged.
    /// </summary>
    NonFiniteValue = 8,
}

/// <summary>Helpers on <see cref="LsmrStopReason"/>.</summary>
internal static class LsmrStopReasonExtensions
{
    /// <summary>
    /// True when x satisfies a convergence rule (istop 0, 1, 2, 4, 5). The condition rules (3, 6)
    /// and the iteration limit (7) are reported as not converged: the caller should warn.
    /// </summary>
    public static bool IsConverged(this LsmrStopReason reason) => reason switch
    {
        LsmrStopReason.ZeroSolution => true,
        LsmrStopReason.ResidualSmall => true,
        LsmrStopReason.NormalEquationsSmall => true,
        LsmrStopReason.ResidualAtMachinePrecision => true,
        LsmrStopReason.NormalEquationsAtMachinePrecision => true,
        _ => false,
    };
}
