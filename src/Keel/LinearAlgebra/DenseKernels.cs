// Inner products for the dense factorisations, summed pairwise in a fixed tree.
//
// Objective: s = Σ x_i·y_i with an error that grows like log2(n), not n: recursive summation
// of many terms of one sign (a 0/1 design column against a Householder vector that is constant
// on a level) drifts by up to about n·u, which would blur exact dependencies at large m.
// Reference: Higham (2002), Accuracy and Stability of Numerical Algorithms, §4.2 (pairwise
// summation: |error| <= gamma_{ceil(log2 n)}·Σ|x_i y_i| for the tree, plus the leaf blocks).
// Invariant: the tree depends only on n (blocks of LeafLength summed left to right, then halves
// split at a fixed rule), never on the CPU or threads, so the result is the same bits everywhere.
// Cost: n multiplications and n − 1 additions, like the plain loop; recursion depth log2(n/16).

namespace Keel.LinearAlgebra;

/// <summary>Reproducible pairwise kernels for the dense solvers.</summary>
internal static class DenseKernels
{
    /// <summary>Terms summed left to right in a leaf; 16 keeps the tree shallow and the leaves short.</summary>
    private const int LeafLength = 16;

    /// <summary>
    /// The k of the error bound |fl(x'y) − x'y| &lt;= k·u·Σ|x_i y_i| (first order, u = 2^-53) for
    /// length n: one rounding per product, LeafLength − 1 in a leaf, one per level of the tree.
    /// </summary>
    public static int ErrorDepth(int length)
    {
        int depth = LeafLength;
        for (long covered = LeafLength; covered < length; covered *= 2)
        {
            depth++;
        }

        return depth;
    }

    /// <summary>Σ x[i]·y[i] by pairwise summation over a tree fixed by the length.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}");
        }

        return PairwiseDot(x, y);
    }

    /// <summary>Euclidean norm sqrt(Σ x²) with the pairwise sum; callers keep entries scaled so squares neither overflow nor underflow.</summary>
    public static double Norm2(ReadOnlySpan<double> x) => Math.Sqrt(PairwiseDot(x, x));

    private static double PairwiseDot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length <= LeafLength)
        {
            double s = 0;
            for (int i = 0; i < x.Length; i++)
            {
                s += x[i] * y[i];
            }

            return s;
        }

        // Split at a multiple of the leaf length so the leaves are full blocks.
        int half = ((x.Length / LeafLength + 1) / 2) * LeafLength;
        return PairwiseDot(x[..half], y[..half]) + PairwiseDot(x[half..], y[half..]);
    }
}
