// Inner products for the dense factorisations, summed pairwise in a tree fixed by the length.
//
// Objective: s = Σ x_i·y_i with an error that grows like log2(n), not n: recursive summation
// of many terms of one sign (a 0/1 design column against a Householder vector that is constant
// on a level) drifts by up to about n·u, which would blur exact dependencies at large m.
// Reference: Higham (2002), Accuracy and Stability of Numerical Algorithms, §4.2 (pairwise
// summation). Here blocks of LeafLength products are summed left to right, and block sums are
// merged like a binary counter (two partial sums of 2^L blocks merge into one of 2^(L+1)),
// then the remaining partial sums are added from the smallest up.
// Invariant: the tree depends only on n, never on the CPU or threads, so the result is the same
// bits everywhere; every term passes through at most ErrorDepth(n) roundings, so
// |fl(x'y) − x'y| <= ErrorDepth(n)·u·Σ|x_i y_i| to first order (u = 2^-53).
// Cost: n multiplications and n − 1 additions, like the plain loop (and as fast: the block sums
// are short independent chains).

namespace Keel.LinearAlgebra;

/// <summary>Reproducible pairwise kernels for the dense solvers.</summary>
internal static class DenseKernels
{
    /// <summary>Products summed left to right in a block; 16 keeps the blocks short and the tree shallow.</summary>
    private const int LeafLength = 16;

    /// <summary>
    /// The k of |fl(x'y) − x'y| &lt;= k·u·Σ|x_i y_i| for length n: 16 roundings inside a block
    /// (one per product, one per addition), then at most floor(log2(blocks)) + 1 more in the merges.
    /// </summary>
    public static int ErrorDepth(int length)
    {
        long blocks = (length + (long)LeafLength - 1) / LeafLength;
        if (blocks <= 1)
        {
            return LeafLength;
        }

        int levels = 0;
        for (long b = blocks; b > 1; b /= 2)
        {
            levels++;
        }

        return LeafLength + levels + 1;
    }

    /// <summary>Σ x[i]·y[i] summed pairwise in the fixed tree of the file header.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}");
        }

        // Partial sums with their block counts, strictly decreasing powers of two from the bottom.
        Span<double> partial = stackalloc double[64];
        Span<long> blocksOf = stackalloc long[64];
        int top = 0;
        int i = 0;
        while (i < x.Length)
        {
            int end = Math.Min(i + LeafLength, x.Length);
            double s = 0;
            for (; i < end; i++)
            {
                s += x[i] * y[i];
            }

            long blocks = 1;
            while (top > 0 && blocksOf[top - 1] == blocks)
            {
                s = partial[--top] + s;
                blocks *= 2;
            }

            partial[top] = s;
            blocksOf[top] = blocks;
            top++;
        }

        double total = 0;
        while (top > 0)
        {
            total = partial[--top] + total;
        }

        return total;
    }

    /// <summary>sqrt(Σ x²) with the pairwise sum; callers keep entries scaled so squares neither overflow nor underflow.</summary>
    public static double Norm2(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));
}
