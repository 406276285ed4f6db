// Options of the LSMR solver: each default is defined once, here, and documented with the exact
// stopping rule it controls. Rules and their numbering follow Fong & Saunders (2011), section
// "Norms and stopping rules", and SciPy's lsmr (istop 1..7). All norms are 2-norms of the
// problem LSMR iterates on: with damping r̄ = [b − Ax; −Damp·x] and Aᵀr means Aᵀ(b − Ax) −
// Damp²·x; with column scaling A is A·D. ‖A‖ is the running estimate LsmrResult.NormA.

namespace Keel.Solvers.Iterative;

/// <summary>Tolerances and limits of <see cref="Lsmr.Solve"/>. The CLI reads its defaults from here.</summary>
internal sealed record LsmrOptions
{
    /// <summary>
    /// Ratio of the default iteration limit to min(rows, columns). In exact arithmetic LSMR ends in
    /// at most rank(A) ≤ min(m, n) steps; in floating point, without reorthogonalisation, the
    /// Lanczos vectors lose orthogonality and convergence is delayed, so SciPy's default of
    /// min(m, n) cuts off small, mildly conditioned problems too early. Ten times that leaves the
    /// tolerances in charge and only stops a run that has genuinely stagnated.
    /// </summary>
    public const int DefaultIterationsPerDimension = 10;

    /// <summary>
    /// Relative accuracy of A. Stop 2 (least squares, <see cref="LsmrStopReason.NormalEquationsSmall"/>):
    /// ‖Aᵀr‖ ≤ Atol·‖A‖·‖r‖. It is also the ‖x‖ part of stop 1:
    /// ‖r‖ ≤ Btol·‖b‖ + Atol·‖A‖·‖x‖. What it buys: at stop 2 the error of x against the exact
    /// least-squares solution x* is ‖x − x*‖ ≤ ‖Aᵀr‖/σ_min² ≤ Atol·cond(A)·‖r‖/σ_min, i.e. about
    /// cond(A)·Atol relative digits lost when ‖r‖ is comparable to σ_min·‖x‖. Zero means "as far
    /// as the machine allows" (then stop 5, ‖Aᵀr‖ ≤ eps·‖A‖·‖r‖, ends the run).
    /// </summary>
    public double Atol { get; init; } = 1e-10;

    /// <summary>
    /// Relative accuracy of b. Stop 1 (compatible system, <see cref="LsmrStopReason.ResidualSmall"/>):
    /// ‖r‖ ≤ Btol·‖b‖ + Atol·‖A‖·‖x‖. What it buys: for a consistent system with A of full column
    /// rank, ‖x − x*‖ ≤ ‖r‖/σ_min. Zero means "as far as the machine allows" (stop 4).
    /// </summary>
    public double Btol { get; init; } = 1e-10;

    /// <summary>
    /// Stop 3 (<see cref="LsmrStopReason.ConditionLimit"/>): the running estimate of cond(Ā) has
    /// reached ConditionLimit. Guards against wandering on a numerically rank-deficient problem.
    /// SciPy's conlim default, 1e8: the error of a least-squares x can grow like cond(A)²·eps,
    /// which is about 1 at cond(A) = 1e8, so further digits are not to be had. Zero disables the
    /// rule; stop 6, cond(Ā) ≥ 1/eps, still applies.
    /// Not a convergence: the result reports Converged = false.
    /// </summary>
    public double ConditionLimit { get; init; } = 1e8;

    /// <summary>
    /// Stop 7 (<see cref="LsmrStopReason.IterationLimit"/>). Null means
    /// <see cref="DefaultIterationsPerDimension"/>·min(rows, columns), capped at int.MaxValue.
    /// Each iteration costs one A·v and one Aᵀ·u plus O(m + n).
    /// </summary>
    public int? MaxIterations { get; init; }

    /// <summary>
    /// Ridge damping λ ≥ 0: LSMR minimises ‖Ax − b‖² + λ²‖x‖². Zero is ordinary least squares.
    /// With column scaling the penalty applies to the scaled coefficients z = D⁻¹x.
    /// </summary>
    public double Damp { get; init; }

    /// <summary>The defaults above, for readers that want them by name.</summary>
    public static LsmrOptions Default { get; } = new();

    /// <summary>The iteration limit in force for an operator of the given shape.</summary>
    public int ResolveMaxIterations(int rows, int columns)
    {
        if (MaxIterations is int limit)
        {
            return limit;
        }

        long byDefault = (long)DefaultIterationsPerDimension * Math.Min(rows, columns);
        return (int)Math.Min(byDefault, int.MaxValue);
    }

    /// <summary>Throws on a tolerance that is negative or NaN, or a negative iteration limit (misuse, not data).</summary>
    public void Validate()
    {
        RequireNonNegative(Atol, nameof(Atol));
        RequireNonNegative(Btol, nameof(Btol));
        RequireNonNegative(ConditionLimit, nameof(ConditionLimit));
        RequireNonNegative(Damp, nameof(Damp));
        if (double.IsInfinity(Damp))
        {
            throw new ArgumentOutOfRangeException(nameof(Damp), Damp, "LsmrOptions.Damp must be finite.");
        }

        if (MaxIterations is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "LsmrOptions.MaxIterations must be non-negative (or null for the default).");
        }
    }

    private static void RequireNonNegative(double value, string name)
    {
        // "!(value >= 0)" also rejects NaN.
        if (!(value >= 0))
        {
            throw new ArgumentOutOfRangeException(name, value, $"LsmrOptions.{name} must be non-negative.");
        }
    }
}
