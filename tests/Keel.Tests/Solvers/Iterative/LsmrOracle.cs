// Test helper: the dense oracle (MathNet.Numerics: Householder QR, SVD, Cholesky) and the error
// bounds that LSMR's stopping rules promise, derived once here:
//   Least squares (rule 2): ‖Āᵀr̄‖ ≤ Atol·‖A‖·‖r̄‖ and Āᵀr̄ = ĀᵀĀ(x* − x), so
//     ‖x − x*‖ ≤ ‖Āᵀr̄‖ / σ_min(Ā)²,  σ_min(Ā)² = σ_min(A)² + λ²,
//   i.e. a relative error of about cond(A)·Atol·‖r‖/(σ_min‖x*‖) — cond(A)·Atol when the residual
//   is of the size of σ_min‖x‖, up to cond(A)²·Atol for a large residual.
//   Compatible system (rule 1): ‖r‖ ≤ Btol·‖b‖ + Atol·‖A‖·‖x‖ and r* = 0, so ‖x − x*‖ ≤ ‖r‖/σ_min
//     (σ_min the smallest non-zero singular value; x − x* measured in range(Aᵀ)).
// The reported norms are recurrence estimates; in floating point they drift from the true norms
// by rounding of the size of one residual evaluation, u = eps·(‖b‖ + ‖A‖‖x‖) for ‖r‖ and ‖A‖·u
// for ‖Aᵀr‖, accumulating over the iterations (Greenbaum 1997, attainable accuracy of recursively
// computed residuals). RoundingBudget is the multiple of u allowed: the cases here take ≤ 30
// iterations and drift by at most 6u; 100u is the budget (it also covers the oracle's own
// backward error, which is a few u).

using Keel.LinearAlgebra;
using Keel.Solvers.Iterative;
using MathNet.Numerics.LinearAlgebra;
using static Keel.Tests.TestSupport.Numeric;

namespace Keel.Tests.Solvers.Iterative;

internal static class LsmrOracle
{
    /// <summary>Multiple of eps·(‖b‖ + ‖A‖‖x‖) allowed between an estimate and the recomputed norm.</summary>
    public const double RoundingBudget = 100;

    public static Matrix<double> RandomMatrix(int seed, int rows, int columns)
    {
        var random = new Random(seed);
        return Matrix<double>.Build.Dense(rows, columns, (_, _) => (2 * random.NextDouble()) - 1);
    }

    public static Vector<double> RandomVector(int seed, int length)
    {
        var random = new Random(seed);
        return Vector<double>.Build.Dense(length, _ => (2 * random.NextDouble()) - 1);
    }

    public static Vector<double> Solution(LsmrResult result) => Vector<double>.Build.DenseOfArray(result.Solution);

    /// <summary>Largest and smallest non-zero singular values; "non-zero" is σ > max(m, n)·eps·σ_max.</summary>
    public static (double SigmaMax, double SigmaMin, int Rank) Singular(Matrix<double> a)
    {
        var s = a.Svd(computeVectors: false).S;
        double sigmaMax = s.Maximum();
        double rankTolerance = Math.Max(a.RowCount, a.ColumnCount) * Eps * sigmaMax;
        var nonZero = s.Where(sigma => sigma > rankTolerance).ToArray();
        return (sigmaMax, nonZero.Min(), nonZero.Length);
    }

    /// <summary>True ‖r̄‖ and ‖Āᵀr̄‖ of x for min ‖Ax − b‖² + λ²‖x‖², computed densely from x.</summary>
    public static (double NormR, double NormAR) TrueNorms(Matrix<double> a, Vector<double> b, Vector<double> x, double damp)
    {
        var r = b - (a * x);
        double normR = Math.Sqrt((r.L2Norm() * r.L2Norm()) + (damp * damp * x.L2Norm() * x.L2Norm()));
        var gradient = a.TransposeThisAndMultiply(r) - (damp * damp * x);
        return (normR, gradient.L2Norm());
    }

    /// <summary>The slack for ‖r‖ estimates: RoundingBudget·eps·(‖b‖ + ‖A‖‖x‖).</summary>
    public static double ResidualSlack(double normA, double normB, double normX) =>
        RoundingBudget * Eps * (normB + (normA * normX));

    /// <summary>
    /// Asserts that x is within the rule-2 bound of the oracle x* (any solution of the normal
    /// equations of the damped problem): ‖x − x*‖ ≤ (Atol·NormA·NormR + slack)/σ_min(Ā)².
    /// </summary>
    public static void AssertLeastSquaresPromise(Matrix<double> a, Vector<double> b, LsmrResult result, LsmrOptions options, Vector<double> expected)
    {
        Assert.Equal(LsmrStopReason.NormalEquationsSmall, result.StopReason);
        var (sigmaMax, sigmaMin, _) = Singular(a);
        var x = Solution(result);
        double slackAR = sigmaMax * ResidualSlack(sigmaMax, b.L2Norm(), x.L2Norm());
        double promisedAR = (options.Atol * result.NormA * result.NormR) + slackAR;
        var (_, trueAR) = TrueNorms(a, b, x, options.Damp);
        Assert.True(trueAR <= promisedAR, $"‖Āᵀr̄‖ = {trueAR:R} exceeds the promised {promisedAR:R}");
        double bound = promisedAR / ((sigmaMin * sigmaMin) + (options.Damp * options.Damp));
        AssertClose(expected.ToArray(), result.Solution, rel: 0, abs: bound, what: "x against the oracle");
    }

    /// <summary>Asserts rule 1 and ‖x − x*‖ ≤ (Btol‖b‖ + Atol·NormA·NormX + slack)/σ_min for a compatible system.</summary>
    public static void AssertCompatiblePromise(Matrix<double> a, Vector<double> b, LsmrResult result, LsmrOptions options, Vector<double> expected)
    {
        Assert.Equal(LsmrStopReason.ResidualSmall, result.StopReason);
        var (sigmaMax, sigmaMin, _) = Singular(a);
        var x = Solution(result);
        double slackR = ResidualSlack(sigmaMax, b.L2Norm(), x.L2Norm());
        double promisedR = (options.Btol * b.L2Norm()) + (options.Atol * result.NormA * result.NormX) + slackR;
        var (trueR, _) = TrueNorms(a, b, x, 0);
        Assert.True(trueR <= promisedR, $"‖r‖ = {trueR:R} exceeds the promised {promisedR:R}");
        // The oracle's residual is rounding-sized too (b is compatible), hence the second slack.
        double bound = (promisedR + slackR) / sigmaMin;
        AssertClose(expected.ToArray(), result.Solution, rel: 0, abs: bound, what: "x against the oracle");
    }

    public static LsmrResult Solve(ILinearOperator a, Vector<double> b, LsmrOptions options) => Lsmr.Solve(a, b.ToArray(), options);
}
