// Singular values (and right singular vectors) by one-sided Jacobi: Hestenes' method.
//
// Objective: A V = U Σ with V orthogonal, found by rotating pairs of columns of G = A (or of R
// from A = QR when m > n, which has the same singular values and right vectors) until every
// pair is numerically orthogonal; then sigma_j = ||g_j||.
// Reference: Hestenes (1958), "Inversion of matrices by biorthogonalization", J. SIAM 6;
// Demmel & Veselić (1992), "Jacobi's method is more accurate than QR", SIAM J. Matrix Anal.
// Appl. 13(4):1204–1245 (one-sided Jacobi finds every sigma_j, however small, with relative
// error about kappa(B)·u when A = B·D, D diagonal: column scaling does not hurt it, which is
// exactly the setting of Belsley's unit-length columns). Notation: for columns p < q,
// alpha = ||g_p||², beta = ||g_q||², gamma = g_p'g_q, zeta = (beta − alpha)/(2·gamma),
// t = sign(zeta)/(|zeta| + sqrt(1 + zeta²)), c = 1/sqrt(1 + t²), s = c·t.
//
// Invariant: after each rotation g_p'g_q = 0 up to rounding and G·V' stays A (up to rounding);
// sweeps visit pairs in the fixed cyclic-by-rows order (p, q) = (0,1), (0,2), …, (n−2, n−1),
// and a pair is skipped when |gamma| <= tol·sqrt(alpha·beta), tol = d(rows)·eps with d the
// pairwise inner-product error depth, so the computation is the same on every CPU.
// Cost: 12·rows·n²/2 flops per sweep (3 inner products and a rotation per pair); usually
// 5–10 sweeps. With m > n the QR first costs 2·m·n² and the sweeps then run on n rows only.

using System.Runtime.Intrinsics;
using Keel.LinearAlgebra;

namespace Keel.Solvers.Direct;

/// <summary>One-sided Jacobi SVD (see file header).</summary>
internal sealed class JacobiSvd
{
    /// <summary>Sweeps allowed before giving up; quadratic convergence needs far fewer.</summary>
    public const int MaxSweeps = 60;

    private JacobiSvd(double[] singularValues, DenseMatrix rightVectors, int sweeps, bool converged)
    {
        SingularValues = singularValues;
        RightSingularVectors = rightVectors;
        Sweeps = sweeps;
        Converged = converged;
    }

    /// <summary>sigma_1 >= … >= sigma_n >= 0 (n values; zeros when rank &lt; n).</summary>
    public double[] SingularValues { get; }

    /// <summary>V (n × n): column j is the right singular vector of SingularValues[j].</summary>
    public DenseMatrix RightSingularVectors { get; }

    /// <summary>Sweeps performed.</summary>
    public int Sweeps { get; }

    /// <summary>False when MaxSweeps passed without a sweep free of rotations.</summary>
    public bool Converged { get; }

    /// <summary>The SVD of A (m × n, any shape); A is not modified.</summary>
    public static JacobiSvd Compute(DenseMatrix a)
    {
        ArgumentNullException.ThrowIfNull(a);
        // Scale by a power of two (exact) so the largest entry is in [1, 2): squares cannot overflow.
        double scale = 1.0;
        double maxAbs = 0;
        foreach (double x in a.Values)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(x));
        }

        if (maxAbs > 0 && double.IsFinite(maxAbs))
        {
            scale = Math.ScaleB(1.0, Math.Clamp(-Math.ILogB(maxAbs), -1022, 1022));
        }

        var scaled = a.Clone();
        foreach (ref double x in scaled.Values)
        {
            x *= scale;
        }

        DenseMatrix g = Preconditioned(scaled);
        int n = g.Columns;
        int rows = g.Rows;
        var v = new DenseMatrix(n, n);
        for (int j = 0; j < n; j++)
        {
            v[j, j] = 1.0;
        }

        double tol = Kernels.PairwiseErrorDepth(rows) * DenseLeastSquaresOptions.MachineEpsilon;
        var state = new SweepState(n);
        int sweeps = 0;
        bool converged = n < 2;
        while (!converged && sweeps < MaxSweeps)
        {
            sweeps++;
            bool rotated = false;
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    rotated |= RotatePair(g, v, p, q, tol, state);
                }
            }

            converged = !rotated;
        }

        return Sorted(g, v, sweeps, converged, 1.0 / scale);
    }

    /// <summary>
    /// For m > n, R from a Householder QR that keeps every column (same singular values and
    /// right vectors, n rows instead of m); otherwise a copy of A.
    /// </summary>
    private static DenseMatrix Preconditioned(DenseMatrix a)
    {
        if (a.Rows <= a.Columns)
        {
            return a;
        }

        var qr = SequentialHouseholderQr.Factor(a.Values, a.Rows, a.Columns, rankTolerance: -1.0);
        return qr.UpperTriangle();
    }

    /// <summary>Orthogonalises columns p and q of G (and rotates V alike); false when already orthogonal.</summary>
    private static bool RotatePair(DenseMatrix g, DenseMatrix v, int p, int q, double tol, SweepState state)
    {
        // A pair found orthogonal, neither of whose columns has been rotated since, is still
        // orthogonal: the same data would give the same three inner products (same bits).
        int pair = state.PairIndex(p, q);
        if (state.SkippedAt[pair] > Math.Max(state.RotatedAt[p], state.RotatedAt[q]))
        {
            return false;
        }

        Span<double> gp = g.Column(p);
        Span<double> gq = g.Column(q);
        double alpha = state.SquaredNorm(gp, p);
        double beta = state.SquaredNorm(gq, q);
        double gamma = Kernels.PairwiseDot(gp, gq);
        if (alpha == 0 || beta == 0 || Math.Abs(gamma) <= tol * Math.Sqrt(alpha) * Math.Sqrt(beta))
        {
            state.SkippedAt[pair] = ++state.Clock;
            return false;
        }

        double zeta = (beta - alpha) / (2.0 * gamma);
        // For huge |zeta| the root is 1/(2·zeta) to working accuracy, and zeta² would overflow.
        double t = Math.Abs(zeta) > 1e150
            ? 0.5 / zeta
            : Math.CopySign(1.0, zeta) / (Math.Abs(zeta) + Math.Sqrt(1.0 + (zeta * zeta)));
        double c = 1.0 / Math.Sqrt(1.0 + (t * t));
        double s = c * t;
        Rotate(gp, gq, c, s);
        Rotate(v.Column(p), v.Column(q), c, s);
        state.Rotated(p, q);
        return true;
    }

    /// <summary>
    /// Bookkeeping that skips recomputation whose result is known, never changing a bit: the
    /// squared norm ||g_j||² is kept until column j is rotated (it would be recomputed from the
    /// same values by the same fixed-order Dot), and a pair tested orthogonal is not tested again
    /// until one of its columns is rotated. Clock ticks at every test that skips and every rotation.
    /// </summary>
    private sealed class SweepState
    {
        private readonly int _n;
        private readonly double[] _squaredNorm;
        private readonly bool[] _normValid;

        public SweepState(int n)
        {
            _n = n;
            _squaredNorm = new double[n];
            _normValid = new bool[n];
            RotatedAt = new long[n];
            SkippedAt = new long[checked((long)n * (n - 1) / 2)];
        }

        public long Clock { get; set; }

        /// <summary>Clock at the last rotation of column j (0: never).</summary>
        public long[] RotatedAt { get; }

        /// <summary>Clock at the last test of a pair that found it orthogonal (0: never).</summary>
        public long[] SkippedAt { get; }

        /// <summary>Index of pair (p, q), p &lt; q, in the cyclic-by-rows order.</summary>
        public int PairIndex(int p, int q) => (int)(((long)p * ((2L * _n) - p - 1) / 2) + (q - p - 1));

        public double SquaredNorm(ReadOnlySpan<double> column, int j)
        {
            if (!_normValid[j])
            {
                _squaredNorm[j] = Kernels.PairwiseDot(column, column);
                _normValid[j] = true;
            }

            return _squaredNorm[j];
        }

        public void Rotated(int p, int q)
        {
            _normValid[p] = false;
            _normValid[q] = false;
            RotatedAt[p] = RotatedAt[q] = ++Clock;
        }
    }

    /// <summary>(x, y) := (c·x − s·y, s·x + c·y), elementwise (each element on its own: no reduction).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Rotate(Span<double> x, Span<double> y, double c, double s)
    {
        // Elementwise, so 256-bit registers give the same bits as the scalar loop: separate
        // multiplies and a subtract/add, never FMA (as Kernels.Axpy).
        int n = x.Length;
        if (y.Length != n)
        {
            throw new ArgumentException("columns differ in length");
        }

        ref double xs = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref double ys = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        int i = 0;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var cv = System.Runtime.Intrinsics.Vector256.Create(c);
            var sv = System.Runtime.Intrinsics.Vector256.Create(s);
            for (; i <= n - 4; i += 4)
            {
                var xi = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref xs, (nuint)i);
                var yi = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref ys, (nuint)i);
                var xNew = System.Runtime.Intrinsics.Vector256.Subtract(System.Runtime.Intrinsics.Vector256.Multiply(cv, xi), System.Runtime.Intrinsics.Vector256.Multiply(sv, yi));
                var yNew = System.Runtime.Intrinsics.Vector256.Add(System.Runtime.Intrinsics.Vector256.Multiply(sv, xi), System.Runtime.Intrinsics.Vector256.Multiply(cv, yi));
                xNew.StoreUnsafe(ref xs, (nuint)i);
                yNew.StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            double xi = x[i];
            double yi = y[i];
            x[i] = (c * xi) - (s * yi);
            y[i] = (s * xi) + (c * yi);
        }
    }

    /// <summary>sigma_j = ||g_j||, sorted descending (ties keep column order), V permuted alike.</summary>
    private static JacobiSvd Sorted(DenseMatrix g, DenseMatrix v, int sweeps, bool converged, double unscale)
    {
        int n = g.Columns;
        var sigma = new double[n];
        for (int j = 0; j < n; j++)
        {
            sigma[j] = Kernels.PairwiseNorm2(g.Column(j)) * unscale;
        }

        int[] order = Enumerable.Range(0, n).OrderByDescending(j => sigma[j]).ThenBy(j => j).ToArray();
        var sortedSigma = new double[n];
        var sortedV = new DenseMatrix(n, n);
        for (int k = 0; k < n; k++)
        {
            sortedSigma[k] = sigma[order[k]];
            v.Column(order[k]).CopyTo(sortedV.Column(k));
        }

        return new JacobiSvd(sortedSigma, sortedV, sweeps, converged);
    }
}
