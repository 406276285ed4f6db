// LSMR: least squares by MINRES on the normal equations, through Golub–Kahan bidiagonalisation.
//
// Objective: minimise ‖Ax − b‖² + λ²‖x‖² over x (λ = LsmrOptions.Damp ≥ 0), A seen only through
//   A·v and Aᵀ·u. From x₀ = 0 every iterate lies in range(Aᵀ), so on a rank-deficient compatible
//   system the limit is the minimum-norm solution.
// Reference: D. C.-L. Fong and M. A. Saunders (2011), "LSMR: An iterative algorithm for sparse
//   least-squares problems", SIAM J. Sci. Comput. 33(5):2950–2971 (arXiv:1006.0758): Algorithm 1,
//   the damping rotation Q̂ of its regularised section, and the recurrences for ‖r_k‖, ‖Aᵀr_k‖,
//   ‖A‖ and cond(A) of its section on norms and stopping rules. No reorthogonalisation.
// Invariants (exact arithmetic): ‖Aᵀr_k‖ = |ζ̄_{k+1}| decreases monotonically; β_{k+1}u_{k+1} =
//   Av_k − α_k u_k and α_{k+1}v_{k+1} = Aᵀu_{k+1} − β_{k+1}v_k with unit u, v.
// Cost per iteration: one Multiply, one MultiplyTransposed, ~10 passes over vectors of length n
//   and 3 of length m; memory 2m + 5n doubles. Reproducible: serial, every reduction through
//   Kernels, so the result depends only on the data.

using System.Diagnostics.CodeAnalysis;
using Keel.LinearAlgebra;

namespace Keel.Solvers.Iterative;

/// <summary>The LSMR iterative least-squares solver (see docs/lsmr.md).</summary>
internal static partial class Lsmr
{
    /// <summary>
    /// Solves min ‖Ax − b‖² + Damp²‖x‖² from x₀ = 0. Never throws for numerical outcomes: they are
    /// in <see cref="LsmrResult.StopReason"/>. Throws only on misuse (shape, non-finite b, bad
    /// options) and, via <paramref name="ct"/>, on cancellation (checked once per iteration).
    /// </summary>
    [SuppressMessage("Design", "CA1068:CancellationToken parameters must come last", Justification = "Signature agreed with the callers: (…, ct, progress), progress being the rarer argument.")]
    public static LsmrResult Solve(
        ILinearOperator a,
        ReadOnlySpan<double> b,
        LsmrOptions options,
        CancellationToken ct = default,
        IProgress<LsmrProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int m = a.Rows;
        int n = a.Columns;
        if (b.Length != m)
        {
            throw new ArgumentException($"b has length {b.Length} but the operator has {m} rows.", nameof(b));
        }

        for (int i = 0; i < m; i++)
        {
            if (!double.IsFinite(b[i]))
            {
                throw new ArgumentException($"b[{i}] is {b[i]}; the right-hand side must be finite.", nameof(b));
            }
        }

        int maxIterations = options.ResolveMaxIterations(m, n);
        double atol = options.Atol;
        double btol = options.Btol;
        double damp = options.Damp;
        // conlim = 0 disables rule 3, as in SciPy (ctol = 1/conlim otherwise).
        double ctol = options.ConditionLimit > 0 ? 1 / options.ConditionLimit : 0;

        // Notation: Fong & Saunders (2011), Algorithm 1.
        var u = new double[m];
        var av = new double[m];      // scratch for A·v
        var v = new double[n];
        var atu = new double[n];     // scratch for Aᵀ·u
        var h = new double[n];
        var hBar = new double[n];
        var x = new double[n];

        // 1. β₁u₁ = b, α₁v₁ = Aᵀu₁.
        b.CopyTo(u);
        double beta = Kernels.Norm2(u);
        double alpha = 0;
        if (beta > 0)
        {
            Kernels.Scale(1 / beta, u);
            a.MultiplyTransposed(u, v);
            alpha = Kernels.Norm2(v);
        }

        if (alpha > 0)
        {
            Kernels.Scale(1 / alpha, v);
        }

        double normB = beta;
        if (alpha == 0 || beta == 0)
        {
            // Aᵀb = 0: the gradient of the objective vanishes at x = 0, so x = 0 is exact.
            return new LsmrResult(x, LsmrStopReason.ZeroSolution, 0, normB, 0, alpha, 1, 0, []);
        }

        // 2. Initialise the two QR factorisations and the direction vectors.
        double alphaBar = alpha;
        double zetaBar = alpha * beta;
        double zeta = 0;
        double rho = 1;
        double rhoBar = 1;
        double cBar = 1;
        double sBar = 0;
        v.CopyTo(h);

        // State of the ‖r_k‖ recurrence (β̈, β̇, ρ̇, τ̃, θ̃ and the running sum of β̌²).
        double betaDoubleDot = beta;
        double betaDot = 0;
        double rhoDotOld = 1;
        double tauTildeOld = 0;
        double thetaTilde = 0;
        double sumBetaCheckSquared = 0;

        // ‖A‖_F estimate from B_k, and cond estimate from the diagonal of R̄_k.
        double normASquared = alpha * alpha;
        double normA = alpha;
        double maxRhoBar = 0;
        double minRhoBar = double.PositiveInfinity;
        double condA = 1;

        double normR = beta;
        double normAR = alpha * beta;
        double normX = 0;
        var normARByIteration = new List<double>(Math.Min(maxIterations, 1024)); // capacity hint only
        var stopReason = LsmrStopReason.IterationLimit;
        int k = 0;

        while (k < maxIterations)
        {
            ct.ThrowIfCancellationRequested();
            k++;

            // 3. Bidiagonalisation: β_{k+1}u_{k+1} = Av_k − α_k u_k, α_{k+1}v_{k+1} = Aᵀu_{k+1} − β_{k+1}v_k.
            a.Multiply(v, av);
            Kernels.Axpy(-alpha, u, av);
            (u, av) = (av, u);
            beta = ResolvableNorm(Kernels.Norm2(u));
            if (beta > 0)
            {
                Kernels.Scale(1 / beta, u);
                a.MultiplyTransposed(u, atu);
                Kernels.Axpy(-beta, v, atu);
                (v, atu) = (atu, v);
                alpha = ResolvableNorm(Kernels.Norm2(v));
                if (alpha > 0)
                {
                    Kernels.Scale(1 / alpha, v);
                }
            }
            else
            {
                // The Krylov space is invariant: x_k below is exact and ζ̄_{k+1} = 0 ends the run.
                alpha = 0;
            }

            // Here beta = β_{k+1}, alpha = α_{k+1}. A non-finite one (an overflowed norm, or 1/β of a
            // subnormal β) would poison every later quantity: stop with x = x_{k−1}, still finite.
            if (!double.IsFinite(alpha) || !double.IsFinite(beta))
            {
                stopReason = LsmrStopReason.NonFiniteValue;
                k--;
                break;
            }


            // Q̂_{k,2k+1}: rotate the damping row λ into ᾱ_k (the identity when λ = 0).
            var qHat = PlaneRotation.Zeroing(alphaBar, damp);
            double alphaHat = qHat.R;

            // 4. Q_{k,k+1}: turn B_k into R_k.
            double rhoOld = rho;
            var q = PlaneRotation.Zeroing(alphaHat, beta);
            rho = q.R;
            double thetaNew = q.S * alpha;   // θ_{k+1}
            alphaBar = q.C * alpha;          // ᾱ_{k+1}

            // 5. Q̄_{k,k+1}: turn R_kᵀ into R̄_k.
            double rhoBarOld = rhoBar;
            double zetaOld = zeta;
            double thetaBar = sBar * rho;    // θ̄_k
            double rhoTemp = cBar * rho;     // last diagonal of R̄_k before rotation, for cond(A)
            var qBar = PlaneRotation.Zeroing(cBar * rho, thetaNew);
            cBar = qBar.C;
            sBar = qBar.S;
            rhoBar = qBar.R;
            zeta = cBar * zetaBar;           // ζ_k
            zetaBar = -sBar * zetaBar;       // ζ̄_{k+1}

            // 6. h̄_k = h_k − (θ̄_k ρ_k / (ρ_{k−1} ρ̄_{k−1})) h̄_{k−1}; x_k = x_{k−1} + (ζ_k / (ρ_k ρ̄_k)) h̄_k;
            //    h_{k+1} = v_{k+1} − (θ_{k+1}/ρ_k) h_k.
            Kernels.Scale(-(thetaBar * rho / (rhoOld * rhoBarOld)), hBar);
            Kernels.Axpy(1, h, hBar);
            Kernels.Axpy(zeta / (rho * rhoBar), hBar, x);
            Kernels.Scale(-(thetaNew / rho), h);
            Kernels.Axpy(1, v, h);

            // ‖r_k‖: apply Q̂, Q and Q̃_{k−1} to the transformed right-hand side.
            double betaAcute = qHat.C * betaDoubleDot;
            double betaCheck = -qHat.S * betaDoubleDot;
            double betaHat = q.C * betaAcute;
            betaDoubleDot = -q.S * betaAcute;
            double thetaTildeOld = thetaTilde;
            var qTilde = PlaneRotation.Zeroing(rhoDotOld, thetaBar);
            thetaTilde = qTilde.S * rhoBar;
            rhoDotOld = qTilde.C * rhoBar;   // now ρ̇_k
            betaDot = (-qTilde.S * betaDot) + (qTilde.C * betaHat); // now β̇_k
            tauTildeOld = (zetaOld - (thetaTildeOld * tauTildeOld)) / qTilde.R;
            double tauDot = (zeta - (thetaTilde * tauTildeOld)) / rhoDotOld;
            sumBetaCheckSquared += betaCheck * betaCheck;
            double gap = betaDot - tauDot;
            normR = Math.Sqrt(sumBetaCheckSquared + (gap * gap) + (betaDoubleDot * betaDoubleDot));

            // ‖A‖_F ≈ ‖B_k‖_F: β_{k+1} belongs to B_k, α_{k+1} only to B_{k+1}.
            normASquared += beta * beta;
            normA = Math.Sqrt(normASquared);
            normASquared += alpha * alpha;

            // cond(A) ≈ max/min of |diag R̄_k|. Deviation from SciPy: the initial ρ̄₀ = 1 is a
            // placeholder, not a diagonal, so it is kept out of the max as it is out of the min;
            // the estimate is then invariant to the scale of A.
            if (k > 1)
            {
                maxRhoBar = Math.Max(maxRhoBar, rhoBarOld);
                minRhoBar = Math.Min(minRhoBar, rhoBarOld);
            }

            condA = Math.Max(maxRhoBar, rhoTemp) / Math.Min(minRhoBar, rhoTemp);

            normAR = Math.Abs(zetaBar);
            normX = Kernels.Norm2(x);
            // An overflowed norm would make every stopping test false until the iteration limit.
            if (!double.IsFinite(normR) || !double.IsFinite(normA) || !double.IsFinite(normX))
            {
                stopReason = LsmrStopReason.NonFiniteValue;
                break;
            }

            normARByIteration.Add(normAR);
            progress?.Report(new LsmrProgress(k, normR, normAR, normA, condA, normX));

            if (Test(normR, normAR, normA, condA, normX, normB, atol, btol, ctol) is LsmrStopReason reason)
            {
                stopReason = reason;
                break;
            }
        }

        return new LsmrResult(x, stopReason, k, normR, normAR, normA, condA, normX, [.. normARByIteration]);
    }

    /// <summary>
    /// The stopping rules 1–6 in order of precedence (in SciPy a later test overrides an earlier one;
    /// testing in reverse is the same). Null means "go on"; rule 7 is the caller's loop bound.
    /// </summary>
    private static LsmrStopReason? Test(
        double normR, double normAR, double normA, double condA, double normX, double normB,
        double atol, double btol, double ctol)
    {
        double test1 = normR / normB;
        double test2 = normA * normR != 0 ? normAR / (normA * normR) : double.PositiveInfinity;
        double test3 = 1 / condA;
        double rtol = btol + (atol * normA * normX / normB);
        // Rule 1 at machine precision: t1 = ‖r‖ / (‖b‖ + ‖A‖‖x‖), the backward error of x for Ax = b.
        double t1 = test1 / (1 + (normA * normX / normB));

        if (test1 <= rtol)
        {
            return LsmrStopReason.ResidualSmall;
        }

        if (test2 <= atol)
        {
            return LsmrStopReason.NormalEquationsSmall;
        }

        if (test3 <= ctol)
        {
            return LsmrStopReason.ConditionLimit;
        }

        if (BelowRoundingOfOne(t1))
        {
            return LsmrStopReason.ResidualAtMachinePrecision;
        }

        if (BelowRoundingOfOne(test2))
        {
            return LsmrStopReason.NormalEquationsAtMachinePrecision;
        }

        return BelowRoundingOfOne(test3) ? LsmrStopReason.ConditionAtMachinePrecision : null;
    }

    /// <summary>
    /// A β or α whose reciprocal overflows (subnormal, below 2^-1022) cannot normalise its vector:
    /// it is the rounding residue of a vector that vanished in exact arithmetic (fuzz seed 3913:
    /// cell means 2^-1020 next to one of 2^400), so it is taken as 0 — the invariant-subspace end
    /// of the bidiagonalisation, as for an exact 0. Any other value is returned unchanged.
    /// </summary>
    private static double ResolvableNorm(double norm) => norm > 0 && double.IsInfinity(1 / norm) ? 0 : norm;

    /// <summary>1 + t rounds to 1, i.e. t ≤ eps/2 (eps = 2^-52): the machine-precision form of a rule (SciPy istop 4–6).</summary>
    private static bool BelowRoundingOfOne(double t) => 1 + t <= 1;
}
