using Keel.Model;

namespace Keel.Solvers;

/// <summary>
/// What every least-squares solver returns over the solved columns of a design: the estimates of
/// the identified columns, which columns are aliased and on what, and how the solve went.
/// Invariant: Coefficients[j] is NaN exactly when Aliased[j]; the fitted values use 0 for aliased
/// columns, which is the least-squares fit of the identified model.
/// </summary>
internal sealed class LeastSquaresSolution
{
    public required double[] Coefficients { get; init; }

    public required bool[] Aliased { get; init; }

    /// <summary>For each aliased column, its expression in kept columns: a_j = Σ coefficient·a_k.</summary>
    public required IReadOnlyDictionary<int, IReadOnlyList<(int Column, double Coefficient)>> Dependencies { get; init; }

    public int Rank => Aliased.Count(a => !a);

    /// <summary>Diagonal of (X'WX)⁻¹ over solved columns (NaN for aliased), or null when the solver does not provide it.</summary>
    public double[]? CovarianceDiagonal { get; init; }

    /// <summary>v'(X'WX)⁻¹v for a vector over solved columns (aliased entries ignored), when available.</summary>
    public Func<double[], double>? VarianceFactor { get; init; }

    /// <summary>
    /// x_c'(X'WX)⁻¹x_c for every cell c over the kept columns, when the solver gives it that way
    /// instead of <see cref="VarianceFactor"/> (the absorbed-factor path: Diagnostics/CellVarianceFactors).
    /// </summary>
    public Func<double[]>? VarianceFactorByCell { get; init; }

    /// <summary>
    /// Σ_cells w·(ȳ − fitted)² as the solver computed it from its own residual (the dense path: in
    /// double-double from the refinement), or null. Recomputing it from fitted values in double loses
    /// the digits that cancel in x'β on ill-conditioned designs (Filip: 8 of 15 digits of σ).
    /// </summary>
    public double? BetweenCellsResidualSumOfSquares { get; init; }

    /// <summary>
    /// (X'WX)⁻¹ over the kept columns, when the solver can afford it: the kept solved columns in
    /// ascending order and the matrix by those positions (row-major, symmetric).
    /// </summary>
    public Func<(int[] Columns, double[] Matrix)>? KeptCovariance { get; init; }

    /// <summary>Belsley's condition indexes sigma_max/sigma_j of the unit-length kept columns, descending sigma; null when not computed.</summary>
    public double[]? ConditionIndexes { get; init; }

    /// <summary>For an iterative solver, the estimate of ‖Aᵀr‖ after each iteration (for a convergence plot).</summary>
    public double[]? ConvergenceHistory { get; init; }

    private readonly double? _conditionNumber;
    private readonly string? _conditionMethod;
    private Lazy<(double? Number, string Method)>? _deferredCondition;

    /// <summary>Belsley's scaled condition number of the kept design (see docs/diagnostics.md), or null with <see cref="ConditionMethod"/> saying why.</summary>
    public double? ConditionNumber
    {
        get => _deferredCondition is { } d ? d.Value.Number : _conditionNumber;
        init => _conditionNumber = value;
    }

    /// <summary>How <see cref="ConditionNumber"/> was obtained (exact, estimate, or "not estimated: why").</summary>
    public string? ConditionMethod
    {
        get => _deferredCondition is { } d ? d.Value.Method : _conditionMethod;
        init => _conditionMethod = value;
    }

    /// <summary>
    /// Computes the condition number and its method when first read, instead of
    /// <see cref="ConditionNumber"/> and <see cref="ConditionMethod"/>: a likelihood fit's
    /// intermediate steps, whose solutions are never reported, then never pay for it.
    /// </summary>
    public Func<(double? Number, string Method)>? DeferredCondition
    {
        init => _deferredCondition = value is null ? null : new Lazy<(double? Number, string Method)>(value);
    }

    public bool Converged { get; init; } = true;

    public int? Iterations { get; init; }

    public double? Tolerance { get; init; }

    public string? StopReason { get; init; }

    /// <summary>How the iterative solver was preconditioned and why, appended to the solver's reason; null when there is nothing to add.</summary>
    public string? SolverNote { get; init; }

    /// <summary>For a penalised fit (ridge, lasso, elastic net): λ, α and how they were chosen; null for least squares.</summary>
    public Penalized.PenaltyReport? Penalty { get; init; }

    /// <summary>For a penalised fit, which solved columns carry the penalty (status "regularized").</summary>
    public bool[]? PenalizedColumns { get; init; }

    /// <summary>(X'WX)⁻¹ over solved columns (p × p; NaN rows and columns for aliased), when the solver can give it (dense path).</summary>
    public Func<LinearAlgebra.DenseMatrix>? Covariance { get; init; }

    /// <summary>Belsley's near-dependencies: condition indexes of at least 30 with the columns whose variance they dominate (small dense designs only).</summary>
    public IReadOnlyList<NearDependency>? NearDependencies { get; init; }

    /// <summary>False when the design was too large to decide aliasing exactly (only empty columns are then marked).</summary>
    public bool AliasingChecked { get; init; } = true;

    /// <summary>Fitted mean of every cell; aliased columns contribute 0.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public double[] FittedByCell(Design design)
    {
        var fitted = new double[design.CellCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            double f = 0;
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                if (j >= 0 && !Aliased[j])
                {
                    f += design.SlotValue[(c * design.SlotsPerCell) + s] * Coefficients[j];
                }
            }

            fitted[c] = f;
        }

        return fitted;
    }
}

/// <summary>
/// One of Belsley's near-dependencies: a scaled condition index η = σ_max/σ_k and the solved columns
/// whose coefficient variance it accounts for in a proportion of at least one half
/// (Belsley, Kuh &amp; Welsch, Regression Diagnostics, 1980, §3.2).
/// </summary>
internal sealed record NearDependency(double ConditionIndex, IReadOnlyList<(int Column, double Proportion)> Involved);
