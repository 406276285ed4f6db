// Options of the dense direct least-squares solver, each default defined once, with what it buys.
//
// Reference for the tolerances: Higham (2002), Accuracy and Stability of Numerical Algorithms,
// 2nd ed., §19.3 (Householder QR is column-wise backward stable: the computed R is the exact R
// of A + dA with ||da_j|| <= gamma~_{mn}·||a_j||) and §4.2 (pairwise summation, whose error
// depth replaces the factor m of a plain inner product). The derivations, and the measurements
// that check them, are in docs/dense-qr.md.

namespace Keel.Solvers.Direct;

/// <summary>Options of <see cref="DenseLeastSquares"/>.</summary>
internal sealed record DenseLeastSquaresOptions
{
    /// <summary>Machine epsilon 2^-52 (not double.Epsilon, the smallest subnormal).</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>The defaults.</summary>
    public static DenseLeastSquaresOptions Default { get; } = new();

    /// <summary>
    /// tau of the rank decision: column j is aliased when, after the reflections of the earlier
    /// kept columns, its remaining norm is &lt;= tau·||a_j||. Null (the default) means
    /// <see cref="DerivedRankTolerance"/>(m, n).
    /// </summary>
    public double? RankTolerance { get; init; }

    /// <summary>
    /// Refinement steps after the QR solve (Björck). Each step gains about -log10(kappa·u)
    /// digits; the loop stops earlier when the correction stops halving. 0 gives the plain QR solution.
    /// </summary>
    public int MaxRefinementSteps { get; init; } = 10;

    /// <summary>
    /// Refine every diagonal entry of (A'A)^{-1} through the augmented system (one refined solve
    /// per kept column), so that standard errors are correct to about u instead of kappa·u. It
    /// costs about 20 plain solves (measured: m = 5000, r = 200 takes 4 s against 0.2 s for the
    /// solve), so callers turn it off on large designs; the diagonal then comes from R^{-1}R^{-T}.
    /// </summary>
    public bool RefineCovarianceDiagonal { get; init; } = true;

    /// <summary>
    /// Relative tolerance of <see cref="DenseLeastSquaresResult.IsEstimable"/>: v is estimable when,
    /// for every aliased column j with a_j = Σ c_k a_k, |v_j − Σ c_k v_k| &lt;= this ·
    /// (|v_j| + Σ |c_k v_k|). The dependencies are refined, so their own rounding is a few u; the
    /// default sqrt(eps) ≈ 1.5e-8 also absorbs rows assembled in floating point (products of
    /// values, interactions) and dependencies that are exact only to tau, while a row that is
    /// not estimable misses by a part of order one (a region effect alone: |1 − 0|/1).
    /// </summary>
    public double EstimabilityTolerance { get; init; } = 1.4901161193847656e-8; // 2^-26 = sqrt(eps)

    /// <summary>
    /// The default rank tolerance tau(m, n) = n·d(m)·eps with d(m) = Kernels.PairwiseErrorDepth(m)
    /// = 17 + floor(log2(ceil(m/16))) (16 for m &lt;= 16), the rounding depth of one pairwise
    /// inner product. A column exactly dependent on earlier ones keeps only rounding error after
    /// their k &lt; n reflections; each reflection's inner product errs by at most d(m)·u
    /// relative and its update by a few u, so the remainder is below n·d(m)·eps·||a_j||
    /// (first-order worst case; nested categorical designs with m up to 10^6 leave at most 1/150
    /// of it). On the other side a column is kept whenever rho_j/nu_j > tau, and
    /// rho_j/nu_j >= 1/kappa for the unit-scaled design, so a design whose scaled condition
    /// number is below 1/tau keeps all its columns: kappa = 1e10 is safe while n·d(m) &lt; 4.5e5
    /// (for example n = 10 000 and m = 10^9). Examples: Filip (m = 82, n = 11) tau = 4.6e-14;
    /// m = 10^6, n = 100 gives 7.1e-13.
    /// </summary>
    public static double DerivedRankTolerance(int rows, int columns) =>
        Math.Max(columns, 1) * LinearAlgebra.Kernels.PairwiseErrorDepth(rows) * MachineEpsilon;
}
