// The scaled condition number of a large design, estimated without forming it.
//
// Objective: kappa = sigma_max(A·D)/sigma_min(A·D) over the kept columns, D = diag(1/‖a_j‖)
//   (Belsley's scaled condition number, the dense path's exact value; aliased columns excluded).
// Method: Lanczos (no reorthogonalisation: only the extreme Ritz value is used) for LanczosSteps steps
//   from a fixed pseudo-random start, on two symmetric positive semidefinite operators:
//     sigma_max² = lambda_max(D·AᵀA·D)                                  (products with A and Aᵀ);
//     sigma_min⁻² = lambda_max(D⁻¹·(AᵀA)⁻¹·D⁻¹) = lambda_max(D⁻¹·R⁻¹R⁻ᵀ·D⁻¹)
//   when the block Cholesky factor R of the Schur preconditioner is exact (RᵀR = AᵀA), so the inverse
//   costs two triangular solves and two products, no inner iteration. With an approximate factor
//   (IC(0), diag(S)) the same Lanczos on R⁻¹R⁻ᵀ gives sigma_min(R·D), and a third on BᵀB,
//   B = A·R⁻¹, brackets sigma_min(A·D) between sigma_min(B) and sigma_max(B) times it (Bracketed):
//   reported is the bracket's geometric middle, with the bracket. Without any factor the smallest
//   Ritz value of D·AᵀA·D gives sigma_min from above: kappa is then only a lower bound.
// Accuracy: a Ritz value never exceeds the eigenvalue it approximates, so each estimate is a lower
//   bound on lambda_max and kappa_est ≤ kappa. For a random start, Kuczyński & Woźniakowski (1992),
//   "Estimating the largest eigenvalue by the power and Lanczos algorithms with a random start",
//   SIAM J. Matrix Anal. Appl. 13(4), Thm 4.2: P(theta < (1 − δ)·lambda_max) ≤ 1.648·√n·e^(−√δ·(2k−1)).
//   With k = 20 and δ = 1/2 on each operator, kappa_est ≥ kappa/2 except with probability
//   2·1.648·√n·e^(−0.707·39) < 4e-12·√n (below 1e-8 up to n = 10^7 columns); in practice
//   the estimate is within a few per cent (tested against dense SVDs).
// References: Golub & Van Loan, Matrix Computations (4th ed.), §10.1 (Lanczos), §8.4.1 (Sturm
//   bisection for the tridiagonal's extreme eigenvalues); Belsley, Kuh & Welsch (1980), §3.2.
// Invariant: a fixed start (SplitMix64, seed StartSeed, sums of 4 uniforms: only + and × of
//   doubles), a fixed number of steps (fewer only for fewer kept columns, or when Lanczos finds an
//   invariant subspace, which depends on the data alone), products by the design operator's one-owner kernels and norms by
//   Kernels: the same bits for any thread count.
// Cost: 2k products with A for sigma_max (with the exact block factor, with R = its factor instead:
//   AᵀA = RᵀR, through B and L); for sigma_min with the block Cholesky factor, 2k products
//   with the sparse cross-products B = A_Fᵀ·A_R (SchurPreconditionedOperator.MultiplyInverseGram;
//   p1: 0.75 → 0.3 s against products with the whole design) and 2k triangular solves with L; four
//   vectors over the columns.

using System.Globalization;
using Keel.LinearAlgebra;

namespace Keel.Solvers.Iterative;

/// <summary>Lanczos estimate of the scaled condition number on the iterative path.</summary>
internal static class ConditionEstimate
{
    /// <summary>u = AᵀA·v, or false when this way is not available.</summary>
    internal delegate bool TryGram(ReadOnlySpan<double> v, Span<double> u);

    /// <summary>Lanczos steps per extreme eigenvalue (see the accuracy bound in the header).</summary>
    public const int LanczosSteps = 20;

    /// <summary>Seed of the start vector.</summary>
    public const ulong StartSeed = 0x4B45454C_434F4E44; // "KEELCOND"

    /// <summary>The estimate and the text of condition_method.</summary>
    public sealed record Outcome(double? ConditionNumber, string Method);

    /// <param name="a">The weighted design over solved columns.</param>
    /// <param name="squaredNorms">‖a_j‖², 0 for columns outside the kept design (aliased).</param>
    /// <param name="preconditioned">The Schur preconditioner when one could be built (exact or not), else null.</param>
    public static Outcome Estimate(ILinearOperator a, ReadOnlySpan<double> squaredNorms, SchurPreconditionedOperator? preconditioned) =>
        preconditioned is null
            ? Estimate(a, squaredNorms, null, null, "no categorical term can be absorbed")
            : Estimate(a, squaredNorms, (g, x) => preconditioned.MultiplyInverseGram(g, x), preconditioned.IsExact ? "the exact block Cholesky factor" : "the preconditioner's factor R", null, preconditioned.IsExact ? null : preconditioned, preconditioned.IsExact ? preconditioned.TryMultiplyGram : null);

    /// <summary>
    /// Without any factor that inverts the Gram matrix (the row path): sigma_max from the Lanczos run
    /// on the column-scaled Gram matrix, sigma_min from its smallest Ritz value, so a lower bound only.
    /// </summary>
    /// <param name="gram">u = AᵀA·v in one pass, cheaper than a product with A and one with Aᵀ.</param>
    /// <param name="whyNoInverse">Why there is no inverse, for the method text.</param>
    /// <param name="steps">Lanczos steps (each one pass over the rows on the row path).</param>
    public static Outcome WithoutFactor(ILinearOperator a, ReadOnlySpan<double> squaredNorms, TryGram gram, string whyNoInverse, int steps) =>
        Estimate(a, squaredNorms, null, null, whyNoInverse, null, gram, steps);

    /// <summary>
    /// With a Gram product and an exact inverse of the kept columns' Gram matrix that need no pass over
    /// the design (the row path's factors alone: FactorsAloneGram), as the cell path's exact block factor.
    /// </summary>
    public static Outcome WithExactInverse(ILinearOperator a, ReadOnlySpan<double> squaredNorms, TryGram gram, Action<double[], double[]> inverseGram, string factorName) =>
        Estimate(a, squaredNorms, inverseGram, factorName, null, null, gram);

    /// <summary>
    /// The dense path beyond the exact SVD's size: from R of the kept columns' QR (r × r, upper
    /// triangular), whose singular values are the kept design's, so AᵀA = RᵀR and its inverse is two
    /// triangular solves. Cost: about 80·r² flops.
    /// </summary>
    public static Outcome FromTriangularFactor(DenseMatrix r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var triangle = new UpperTriangularOperator(r);
        var squaredNorms = new double[r.Columns];
        for (int j = 0; j < r.Columns; j++)
        {
            squaredNorms[j] = Kernels.Dot(r.Column(j)[..(j + 1)], r.Column(j)[..(j + 1)]);
        }

        return Estimate(triangle, squaredNorms, triangle.MultiplyInverseGram, "R of the QR factorisation", "R has a zero diagonal entry");
    }

    /// <param name="a">The operator whose columns are scaled.</param>
    /// <param name="squaredNorms">‖a_j‖², 0 for columns left out.</param>
    /// <param name="inverseGram">x = (AᵀA)⁻¹·g over the kept columns, exact to rounding; null when there is none.</param>
    /// <param name="factorName">What gives the inverse, for the method text.</param>
    /// <param name="whyNoInverse">Why there is no inverse, for the method text.</param>
    /// <param name="approximate">When <paramref name="inverseGram"/> is R⁻¹R⁻ᵀ of an approximate factor R (RᵀR ≠ AᵀA): the operator A·R⁻¹, whose extreme singular values bracket the design's smallest (see <see cref="Bracketed"/>).</param>
    /// <param name="gram">u = AᵀA·v through an exact factor (RᵀR = AᵀA), cheaper than two products with A; false where it cannot.</param>
    private static Outcome Estimate(ILinearOperator a, ReadOnlySpan<double> squaredNorms, Action<double[], double[]>? inverseGram, string? factorName, string? whyNoInverse, ILinearOperator? approximate = null, TryGram? gram = null, int lanczosSteps = LanczosSteps)
    {
        int n = a.Columns;
        var scale = new double[n];        // d_j = 1/‖a_j‖
        var inverseScale = new double[n]; // 1/d_j = ‖a_j‖
        int kept = 0;
        for (int j = 0; j < n; j++)
        {
            inverseScale[j] = squaredNorms[j] > 0 ? Math.Sqrt(squaredNorms[j]) : 0.0;
            scale[j] = squaredNorms[j] > 0 ? 1.0 / inverseScale[j] : 0.0;
            kept += squaredNorms[j] > 0 ? 1 : 0;
        }

        if (kept == 0)
        {
            return new Outcome(null, "not estimated: no kept column");
        }

        int maxSteps = Math.Min(lanczosSteps, kept);
        var scaled = new ColumnScaledOperator(a, scale);
        double[]? rowBuffer = null;
        var scaledV = new double[n];
        var (largestGram, smallestGram, steps) = Lanczos(n, maxSteps, StartVector(scale), (v, result) =>
        {
            for (int j = 0; j < n; j++)
            {
                scaledV[j] = scale[j] * v[j];
            }

            if (gram is not null && gram(scaledV, result))
            {
                for (int j = 0; j < n; j++)
                {
                    result[j] *= scale[j];
                }

                return;
            }

            rowBuffer ??= new double[a.Rows];
            scaled.Multiply(v, rowBuffer);
            scaled.MultiplyTransposed(rowBuffer, result);
        });
        double sigmaMax = Math.Sqrt(largestGram);

        if (inverseGram is not null)
        {
            var g = new double[n];
            var (largestInverse, _, inverseSteps) = Lanczos(n, maxSteps, StartVector(scale), (v, result) =>
            {
                for (int j = 0; j < n; j++)
                {
                    g[j] = inverseScale[j] * v[j];
                }

                inverseGram(g, result);
                for (int j = 0; j < n; j++)
                {
                    result[j] *= inverseScale[j];
                }
            });
            if (approximate is not null)
            {
                return Bracketed(sigmaMax, 1.0 / Math.Sqrt(largestInverse), approximate, steps, inverseSteps);
            }

            double? kappa = Finite(sigmaMax * Math.Sqrt(largestInverse));
            string bound = string.Create(CultureInfo.InvariantCulture, $"at most 2x low with probability above 1 - {FailureProbability(kept, maxSteps):0.#e0} (Kuczyński & Woźniakowski 1992)");
            return kappa is null
                ? new Outcome(null, "not estimated: the Lanczos estimate of the largest eigenvalue of the inverse Gram matrix is not finite")
                : new Outcome(
                    kappa,
                    $"estimate (Lanczos, {steps} and {inverseSteps} steps from a fixed start, on the column-scaled Gram matrix for sigma_max and on its inverse through {factorName} for sigma_min): a lower bound, {bound}");
        }

        if (!(smallestGram > 0))
        {
            return new Outcome(null, "not estimated: the smallest Lanczos Ritz value of the column-scaled Gram matrix is 0 to rounding (the kept design may be numerically singular) and no exact factor gives its inverse");
        }

        return new Outcome(
            Finite(sigmaMax / Math.Sqrt(smallestGram)),
            $"estimate, a lower bound only (Lanczos, {steps} steps from a fixed start, on the column-scaled Gram matrix; {whyNoInverse}, so sigma_min comes from the smallest Ritz value, which can be far above it: the condition number may be much larger)");
    }

    /// <summary>
    /// With an approximate factor R: A·D = B·(R·D), B = A·R⁻¹ the preconditioned operator, so
    /// sigma_min(A·D) lies in [sigma_min(B), sigma_max(B)]·sigma_min(R·D), and kappa in
    /// [sigma_max(A·D)/(sigma_max(B)·sigma_min(R·D)), sigma_max(A·D)/(sigma_min(B)·sigma_min(R·D))].
    /// B is well conditioned (that is the preconditioner's purpose), so 20 Lanczos steps on BᵀB find
    /// both its ends; the reported value is the bracket's geometric middle, within √kappa(B) of each end.
    /// </summary>
    private static Outcome Bracketed(double sigmaMax, double sigmaMinOfRD, ILinearOperator b, int steps, int inverseSteps)
    {
        int n = b.Columns;
        var byRow = new double[b.Rows];
        var everywhere = new double[n];
        Array.Fill(everywhere, 1.0);
        var (largest, smallest, preconditionedSteps) = Lanczos(n, Math.Min(LanczosSteps, n), StartVector(everywhere), (v, result) =>
        {
            b.Multiply(v, byRow);
            b.MultiplyTransposed(byRow, result);
        });
        if (!(smallest > 0) || !(sigmaMinOfRD > 0))
        {
            return new Outcome(null, "not estimated: the preconditioned operator or the preconditioner's factor looks singular to Lanczos (the kept design may be numerically singular)");
        }

        double low = sigmaMax / (Math.Sqrt(largest) * sigmaMinOfRD);
        double high = sigmaMax / (Math.Sqrt(smallest) * sigmaMinOfRD);
        double? kappa = Finite(Math.Sqrt(low) * Math.Sqrt(high));
        return kappa is null
            ? new Outcome(null, "not estimated: the bracket from the approximate factor is not finite")
            : new Outcome(
                kappa,
                string.Create(CultureInfo.InvariantCulture, $"estimate (Lanczos, {steps}, {inverseSteps} and {preconditionedSteps} steps from a fixed start, on the column-scaled Gram matrix, on the inverse of the approximate preconditioner factor R and on the preconditioned operator A·R⁻¹, whose singular values bracket the design's: the condition number lies in [{low:G3}, {high:G3}] up to Lanczos' accuracy; reported is the bracket's geometric middle, within a factor {Math.Sqrt(high / low):G3} of either end)"));
    }

    // Rounding can put an estimate for an orthogonal design a hair below 1, which no condition number is.
    private static double? Finite(double kappa) => double.IsFinite(kappa) ? Math.Max(1.0, kappa) : null;

    /// <summary>2·1.648·√n·e^(−√(1/2)·(2k−1)): both estimates within a factor √2 of their σ, so kappa within 2.</summary>
    private static double FailureProbability(int n, int steps) =>
        Math.Min(1.0, 2 * 1.648 * Math.Sqrt(n) * ElementaryFunctions.Exp(-Math.Sqrt(0.5) * ((2 * steps) - 1)));

    // Approximately Gaussian entries (a sum of four uniforms on [-1/2, 1/2)) on the kept columns, 0 elsewhere.
    private static double[] StartVector(double[] scale)
    {
        ulong state = StartSeed;
        var v = new double[scale.Length];
        for (int j = 0; j < v.Length; j++)
        {
            double sum = 0;
            for (int t = 0; t < 4; t++)
            {
                sum += (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53)) - 0.5;
            }

            v[j] = scale[j] > 0 ? sum : 0.0;
        }

        return v;
    }

    /// <summary>
    /// At most <paramref name="maxSteps"/> (at most the dimension) steps of symmetric Lanczos (Golub &amp; Van Loan Alg. 10.1.1) from <paramref name="start"/>;
    /// returns the largest and smallest eigenvalues of the tridiagonal T_k and the steps taken.
    /// </summary>
    private static (double Largest, double Smallest, int Steps) Lanczos(int n, int maxSteps, double[] start, Action<double[], double[]> multiply)
    {
        var q = start;
        Kernels.Scale(1.0 / Kernels.Norm2(q), q);
        var previous = new double[n];
        var w = new double[n];
        var alpha = new List<double>();
        var beta = new List<double>(); // beta[i] couples steps i and i+1
        for (int step = 0; step < maxSteps; step++)
        {
            multiply(q, w);
            double a = Kernels.Dot(w, q);
            Kernels.Axpy(-a, q, w);
            if (step > 0)
            {
                Kernels.Axpy(-beta[step - 1], previous, w);
            }

            alpha.Add(a);
            double b = Kernels.Norm2(w);
            // Here T_{step+1} is complete; b = 0 (to rounding) means the Krylov space is invariant: T's eigenvalues are exact.
            if (step == maxSteps - 1 || !(b > 64 * Numeric.Epsilon * Math.Abs(a)))
            {
                break;
            }

            beta.Add(b);
            (previous, q, w) = (q, w, previous);
            Kernels.Scale(1.0 / b, q);
        }

        double[] d = alpha.ToArray();
        double[] e = beta.Take(d.Length - 1).ToArray();
        return (ExtremeEigenvalue(d, e, largest: true), ExtremeEigenvalue(d, e, largest: false), d.Length);
    }

    /// <summary>The largest or smallest eigenvalue of the symmetric tridiagonal (d, e) by Sturm bisection to rounding.</summary>
    private static double ExtremeEigenvalue(double[] d, double[] e, bool largest)
    {
        // Gershgorin interval.
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        for (int i = 0; i < d.Length; i++)
        {
            double radius = (i > 0 ? Math.Abs(e[i - 1]) : 0) + (i < e.Length ? Math.Abs(e[i]) : 0);
            low = Math.Min(low, d[i] - radius);
            high = Math.Max(high, d[i] + radius);
        }

        int target = largest ? d.Length - 1 : 0; // the eigenvalue with this many below it
        for (int iteration = 0; iteration < 200; iteration++)
        {
            double mid = 0.5 * (low + high);
            if (mid <= low || mid >= high)
            {
                break;
            }

            if (CountBelow(d, e, mid) > target)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return 0.5 * (low + high);
    }

    // Eigenvalues of T below x: sign changes of the LDLᵀ pivots of T − x·I.
    private static int CountBelow(double[] d, double[] e, double x)
    {
        int count = 0;
        double pivot = 1;
        for (int i = 0; i < d.Length; i++)
        {
            double coupling = i > 0 ? e[i - 1] * e[i - 1] / pivot : 0;
            pivot = d[i] - x - coupling;
            if (pivot == 0)
            {
                pivot = -Numeric.Epsilon * (Math.Abs(d[i]) + Math.Abs(x) + double.Epsilon);
            }

            count += pivot < 0 ? 1 : 0;
        }

        return count;
    }

    private static class Numeric
    {
        /// <summary>Machine epsilon 2^-52 (not double.Epsilon, the smallest subnormal).</summary>
        public static readonly double Epsilon = Math.ScaleB(1.0, -52);
    }

    /// <summary>An upper triangular r × r matrix (column-major DenseMatrix) as an operator, with (RᵀR)⁻¹ by two triangular solves; every sum in fixed index order.</summary>
    private sealed class UpperTriangularOperator(DenseMatrix r) : ILinearOperator
    {
        public int Rows => r.Rows;

        public int Columns => r.Columns;

        public void Multiply(ReadOnlySpan<double> x, Span<double> result)
        {
            result.Clear();
            for (int j = 0; j < Columns; j++)
            {
                ReadOnlySpan<double> column = r.Column(j);
                for (int i = 0; i <= j; i++)
                {
                    result[i] += column[i] * x[j];
                }
            }
        }

        public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
        {
            for (int j = 0; j < Columns; j++)
            {
                result[j] = Kernels.Dot(r.Column(j)[..(j + 1)], y[..(j + 1)]);
            }
        }

        // x = R⁻¹·R⁻ᵀ·g: forward solve Rᵀw = g, then back substitution R·x = w (by columns).
        public void MultiplyInverseGram(double[] g, double[] x)
        {
            int n = Columns;
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<double> column = r.Column(j);
                x[j] = (g[j] - Kernels.Dot(column[..j], x.AsSpan(0, j))) / column[j];
            }

            for (int j = n - 1; j >= 0; j--)
            {
                ReadOnlySpan<double> column = r.Column(j);
                x[j] /= column[j];
                for (int i = 0; i < j; i++)
                {
                    x[i] -= column[i] * x[j];
                }
            }
        }
    }
}
