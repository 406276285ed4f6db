// Iterative refinement of the augmented least-squares system, residuals in twice the precision.
//
// Objective: for the kept columns A (m × r, already scaled) solve
//     [ I   A ] [ r ]   [ b ]
//     [ A'  0 ] [ x ] = [ c ]
// c = 0 gives least squares (x minimises ||b - A x||, r = b - A x); b = 0, c = -v gives
// x = (A'A)^{-1} v and r = -A x, so ||r||² = v'(A'A)^{-1} v, a variance factor.
//
// Reference: Björck (1967), "Iterative refinement of linear least squares solutions I",
// BIT 7:257–278; Björck (1996), Numerical Methods for Least Squares Problems, §2.9.
// Notation (Björck): step s computes f = b - r - A x and g = c - A'r as if in twice the working
// precision (Dot2: Ogita, Rump & Oishi (2005), "Accurate sum and dot product", SIAM J. Sci.
// Comput. 26(6), Alg. 5.3) from the data A = AHi + ALo, b = bHi + bLo, rounds them once, and
// solves for the correction with the QR factors of AHi: (u1; u2) = Q'f, h = R^{-T} g,
// dx = R^{-1}(u1 - h), dr = Q (h; u2).
// Step 0 starts from r = 0, x = 0, so it is the plain QR solution.
//
// Invariant: the corrections contract by a factor of about c·kappa(A)·u per step (u = 2^-53),
// so while kappa·u is small each step gains digits until x and r are correct to about u; the
// residuals being correct to about u² relative to their terms is what lets the limit be u
// rather than kappa·u. Every sum runs in one fixed order, so the result is the same bits everywhere.
// Stopping rule, with eta_s = max(||dx||∞/||x||∞, ||dr||∞/max(||r||∞, ||b||∞)):
// converged when eta_s <= u; stop when eta_s > eta_{s-1}/2 (the correction stopped shrinking:
// the rounding floor is reached); a correction with eta_s >= eta_{s-1} is not applied.
//
// Cost per step: about 10·m·r flops for each of the two Dot2 residuals (13 with low parts),
// 8·m·r for Q'f and Q(h; u2), and r² for the triangular solves.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Direct;

/// <summary>How a refinement ended.</summary>
internal enum RefinementStatus
{
    /// <summary>No refinement step was allowed (MaxRefinementSteps = 0): the plain QR solution.</summary>
    NotRequested,

    /// <summary>The last correction was at most u = 2^-53 relative: x is correct to about u.</summary>
    Converged,

    /// <summary>The correction stopped halving: the rounding floor was reached (the usual end).</summary>
    Stagnated,

    /// <summary>A correction did not shrink and was discarded: kappa·u is too large for refinement to help.</summary>
    Diverging,

    /// <summary>The step limit was reached while corrections were still shrinking.</summary>
    StepLimit,
}

/// <summary>The outcome of a refinement: steps applied after the QR solve, the status, and the last applied eta.</summary>
internal sealed record RefinementReport(int Steps, RefinementStatus Status, double FinalCorrection);

/// <summary>
/// The first Rank kept, power-of-two-scaled design columns (m × Rank, column-major, possibly the
/// leading part of a longer array), with optional low parts. The QR factors used with it are
/// those of its columns: the first Rank kept columns of the factorisation.
/// </summary>
internal sealed record ScaledKeptDesign(int Rows, int Rank, double[] Hi, double[]? Lo);

/// <summary>Björck's refinement of the augmented system (see file header).</summary>
internal static class AugmentedSystemRefinement
{
    private const double UnitRoundoff = 1.1102230246251565e-16; // u = 2^-53

    /// <summary>
    /// Solves the augmented system for (r, x) into <paramref name="residual"/> (length m) and
    /// <paramref name="x"/> (length r). Empty <paramref name="bLo"/> means bLo = 0; empty
    /// <paramref name="c"/> means c = 0.
    /// </summary>
    public static RefinementReport Solve(
        SequentialHouseholderQr qr,
        ScaledKeptDesign design,
        ReadOnlySpan<double> bHi,
        ReadOnlySpan<double> bLo,
        ReadOnlySpan<double> c,
        Span<double> x,
        Span<double> residual,
        int maxRefinementSteps)
    {
        ArgumentNullException.ThrowIfNull(qr);
        ArgumentNullException.ThrowIfNull(design);
        int m = design.Rows;
        int rank = design.Rank;
        x.Clear();
        residual.Clear();
        var f = new double[m];
        var g = new double[rank];
        var dr = new double[m];
        var dx = new double[rank];
        double bNorm = MaxAbs(bHi);
        double previousEta = double.PositiveInfinity;
        var report = new RefinementReport(0, RefinementStatus.NotRequested, double.NaN);
        for (int s = 0; s <= maxRefinementSteps; s++)
        {
            ResidualF(design, bHi, bLo, residual, x, f);
            ResidualG(design, c, residual, g);
            Correction(qr, f, g, dx, dr);

            double eta = Math.Max(Relative(dx, x), RelativeResidual(dr, residual, bNorm));
            if (s > 0 && eta >= previousEta)
            {
                // Not contracting: applying it would not improve the iterate.
                return report with { Status = RefinementStatus.Diverging };
            }

            Kernels.Axpy(1.0, dx, x);
            Kernels.Axpy(1.0, dr, residual);
            // Here (r, x) = (r_{s+1}, x_{s+1}).
            if (eta <= UnitRoundoff)
            {
                return new RefinementReport(s, RefinementStatus.Converged, eta);
            }

            if (s > 0 && eta > previousEta / 2)
            {
                return new RefinementReport(s, RefinementStatus.Stagnated, eta);
            }

            RefinementStatus atLimit = maxRefinementSteps == 0 ? RefinementStatus.NotRequested : RefinementStatus.StepLimit;
            report = new RefinementReport(s, atLimit, eta);
            previousEta = eta;
        }

        return report;
    }

    /// <summary>||b - A x||² of the given x: residual by Dot2, sum of squares in double-double, rounded once.</summary>
    public static double ResidualSumOfSquares(ScaledKeptDesign design, ReadOnlySpan<double> bHi, ReadOnlySpan<double> bLo, ReadOnlySpan<double> x)
    {
        ArgumentNullException.ThrowIfNull(design);
        var sum = new double[design.Rows];
        var error = new double[design.Rows];
        AccumulateResidual(design, bHi, bLo, ReadOnlySpan<double>.Empty, x, sum, error);
        DoubleDouble total = DoubleDouble.Zero;
        for (int i = 0; i < sum.Length; i++)
        {
            total += DoubleDouble.Square(DoubleDouble.TwoSum(sum[i], error[i]));
        }

        return total.ToDouble();
    }

    /// <summary>Sum of squares of a double vector, accumulated in double-double and rounded once.</summary>
    public static double SumOfSquares(ReadOnlySpan<double> v)
    {
        DoubleDouble sum = DoubleDouble.Zero;
        for (int i = 0; i < v.Length; i++)
        {
            sum += DoubleDouble.TwoProduct(v[i], v[i]);
        }

        return sum.ToDouble();
    }

    private static void Correction(SequentialHouseholderQr qr, double[] f, double[] g, Span<double> dx, Span<double> dr)
    {
        int rank = g.Length; // the design's columns: the first `rank` kept columns of the factorisation
        qr.ApplyQTransposed(f, rank); // f now holds (u1; u2) = Q'f
        qr.SolveRTransposed(g); // g now holds h = R^{-T} g
        for (int p = 0; p < rank; p++)
        {
            dx[p] = f[p] - g[p];
        }

        qr.SolveR(dx, rank);
        g.CopyTo(dr);
        f.AsSpan(rank).CopyTo(dr[rank..]);
        qr.ApplyQ(dr, rank);
    }

    /// <summary>f = b - r - A x as if computed in twice the working precision, rounded once.</summary>
    private static void ResidualF(ScaledKeptDesign design, ReadOnlySpan<double> bHi, ReadOnlySpan<double> bLo, ReadOnlySpan<double> r, ReadOnlySpan<double> x, Span<double> f)
    {
        var sum = new double[design.Rows];
        var error = new double[design.Rows];
        AccumulateResidual(design, bHi, bLo, r, x, sum, error);
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = sum[i] + error[i];
        }
    }

    /// <summary>
    /// (sum + error)_i = b_i - r_i - Σ_p A(i, p)·x_p by Dot2 (Ogita, Rump &amp; Oishi 2005, Alg. 5.3):
    /// error-free products and sums, their errors collected in a second accumulator. r may be
    /// empty (r = 0). The low parts ALo·x and bLo are below u·|terms| and go to the error
    /// accumulator directly. Columns outer, rows inner: each row sees the terms in design order.
    /// </summary>
    private static void AccumulateResidual(ScaledKeptDesign design, ReadOnlySpan<double> bHi, ReadOnlySpan<double> bLo, ReadOnlySpan<double> r, ReadOnlySpan<double> x, double[] sum, double[] error)
    {
        int m = design.Rows;
        for (int i = 0; i < m; i++)
        {
            DoubleDouble start = r.IsEmpty ? bHi[i] : DoubleDouble.TwoSum(bHi[i], -r[i]);
            sum[i] = start.Hi;
            error[i] = bLo.IsEmpty ? start.Lo : start.Lo + bLo[i];
        }

        for (int p = 0; p < design.Rank; p++)
        {
            double minusXp = -x[p];
            if (minusXp == 0)
            {
                continue;
            }

            ReadOnlySpan<double> hi = design.Hi.AsSpan(p * m, m);
            ReadOnlySpan<double> lo = design.Lo is null ? ReadOnlySpan<double>.Empty : design.Lo.AsSpan(p * m, m);
            for (int i = 0; i < m; i++)
            {
                DoubleDouble product = DoubleDouble.TwoProduct(hi[i], minusXp);
                DoubleDouble partial = DoubleDouble.TwoSum(sum[i], product.Hi);
                sum[i] = partial.Hi;
                error[i] += lo.IsEmpty ? partial.Lo + product.Lo : partial.Lo + product.Lo + (lo[i] * minusXp);
            }
        }
    }

    /// <summary>g = c - A'r, each entry a Dot2 inner product (twice the working precision) rounded once.</summary>
    private static void ResidualG(ScaledKeptDesign design, ReadOnlySpan<double> c, ReadOnlySpan<double> r, Span<double> g)
    {
        int m = design.Rows;
        for (int p = 0; p < design.Rank; p++)
        {
            ReadOnlySpan<double> hi = design.Hi.AsSpan(p * m, m);
            ReadOnlySpan<double> lo = design.Lo is null ? ReadOnlySpan<double>.Empty : design.Lo.AsSpan(p * m, m);
            double sum = c.IsEmpty ? 0.0 : c[p];
            double error = 0.0;
            for (int i = 0; i < m; i++)
            {
                DoubleDouble product = DoubleDouble.TwoProduct(hi[i], -r[i]);
                DoubleDouble partial = DoubleDouble.TwoSum(sum, product.Hi);
                sum = partial.Hi;
                error += lo.IsEmpty ? partial.Lo + product.Lo : partial.Lo + product.Lo - (lo[i] * r[i]);
            }

            g[p] = sum + error;
        }
    }

    /// <summary>||d||∞ / ||v + d||∞ (0 when d = 0).</summary>
    private static double Relative(ReadOnlySpan<double> d, ReadOnlySpan<double> v)
    {
        double dNorm = MaxAbs(d);
        if (dNorm == 0)
        {
            return 0.0;
        }

        double vNorm = 0;
        for (int i = 0; i < v.Length; i++)
        {
            vNorm = Math.Max(vNorm, Math.Abs(v[i] + d[i]));
        }

        return vNorm > 0 ? dNorm / vNorm : double.PositiveInfinity;
    }

    /// <summary>||dr||∞ / max(||r + dr||∞, ||b||∞): relative to b for least squares, to r when b = 0.</summary>
    private static double RelativeResidual(ReadOnlySpan<double> dr, ReadOnlySpan<double> r, double bNorm)
    {
        double dNorm = MaxAbs(dr);
        if (dNorm == 0)
        {
            return 0.0;
        }

        double rNorm = 0;
        for (int i = 0; i < r.Length; i++)
        {
            rNorm = Math.Max(rNorm, Math.Abs(r[i] + dr[i]));
        }

        double scale = Math.Max(rNorm, bNorm);
        return scale > 0 ? dNorm / scale : double.PositiveInfinity;
    }

    private static double MaxAbs(ReadOnlySpan<double> v)
    {
        double max = 0;
        for (int i = 0; i < v.Length; i++)
        {
            max = Math.Max(max, Math.Abs(v[i]));
        }

        return max;
    }
}
