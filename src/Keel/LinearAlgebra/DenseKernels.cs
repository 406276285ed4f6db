// Inner products for the dense factorisations, summed pairwise in a tree fixed by the length.
//
// Objective: s = Σ x_i·y_i with an error that grows like log2(n), not n: recursive summation
// of many terms of one sign (a 0/1 design column against a Householder vector that is constant
// on a level) drifts by up to about n·u, which would blur exact dependencies at large m.
// Reference: Higham (2002), Accuracy and Stability of Numerical Algorithms, §4.2 (pairwise
// summation). Here each block of LeafLength = 16 products is summed in a fixed tree (products j and
// j + 8 paired, then the 8 pairs pairwise: 5 roundings on any product's path, eight independent
// chains so the adds pipeline), and block sums are merged like a binary counter (two partial sums of 2^L blocks merge into one of 2^(L+1)),
// then the remaining partial sums are added from the smallest up.
// Invariant: the tree depends only on n, never on the CPU or threads, so the result is the same
// bits everywhere; every term passes through at most ErrorDepth(n) roundings, so
// |fl(x'y) − x'y| <= ErrorDepth(n)·u·Σ|x_i y_i| to first order (u = 2^-53).
// Cost: n multiplications and n − 1 additions, like the plain loop. (Summing each block left to
// right, as before, was bound by the add latency and made the whole dense solve about 2x slower
// than a Vector<T> dot; docs/benchmarks.md, cost of reproducibility.)

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Keel.LinearAlgebra;

/// <summary>Reproducible pairwise kernels for the dense solvers.</summary>
internal static class DenseKernels
{
    /// <summary>Products per block (leaf of the tree); 16 keeps the blocks short and the tree shallow.</summary>
    private const int LeafLength = 16;

    /// <summary>
    /// A k of |fl(x'y) − x'y| &lt;= k·u·Σ|x_i y_i| for length n: 16 roundings inside a block (a
    /// conservative count: the block's tree has 5 on any path, which was 16 when blocks were summed left
    /// to right; the rank tolerances derived from it are kept), then at most floor(log2(blocks)) + 1
    /// more in the merges.
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
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        for (int i = 0; i < n; i += LeafLength)
        {
            double s = n - i >= LeafLength
                ? FullLeaf(ref Unsafe.Add(ref xs, i), ref Unsafe.Add(ref ys, i))
                : PartLeaf(ref Unsafe.Add(ref xs, i), ref Unsafe.Add(ref ys, i), n - i);

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

    // A leaf of 16: products j and j + 8 added into pair j, then the 8 pairs as
    // ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7)). Eight independent chains, so the adds pipeline
    // (a single left-to-right chain is bound by the add latency: about 2x slower for the whole dense QR).
    private static double FullLeaf(ref double x, ref double y)
    {
        double p0 = (x * y) + (Unsafe.Add(ref x, 8) * Unsafe.Add(ref y, 8));
        double p1 = (Unsafe.Add(ref x, 1) * Unsafe.Add(ref y, 1)) + (Unsafe.Add(ref x, 9) * Unsafe.Add(ref y, 9));
        double p2 = (Unsafe.Add(ref x, 2) * Unsafe.Add(ref y, 2)) + (Unsafe.Add(ref x, 10) * Unsafe.Add(ref y, 10));
        double p3 = (Unsafe.Add(ref x, 3) * Unsafe.Add(ref y, 3)) + (Unsafe.Add(ref x, 11) * Unsafe.Add(ref y, 11));
        double p4 = (Unsafe.Add(ref x, 4) * Unsafe.Add(ref y, 4)) + (Unsafe.Add(ref x, 12) * Unsafe.Add(ref y, 12));
        double p5 = (Unsafe.Add(ref x, 5) * Unsafe.Add(ref y, 5)) + (Unsafe.Add(ref x, 13) * Unsafe.Add(ref y, 13));
        double p6 = (Unsafe.Add(ref x, 6) * Unsafe.Add(ref y, 6)) + (Unsafe.Add(ref x, 14) * Unsafe.Add(ref y, 14));
        double p7 = (Unsafe.Add(ref x, 7) * Unsafe.Add(ref y, 7)) + (Unsafe.Add(ref x, 15) * Unsafe.Add(ref y, 15));
        return ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7));
    }

    // The last, partial leaf (1..15 elements): the same shape with the absent products left out.
    private static double PartLeaf(ref double x, ref double y, int count)
    {
        Span<double> pair = stackalloc double[8];
        pair.Clear();
        for (int j = 0; j < 8 && j < count; j++)
        {
            double p = Unsafe.Add(ref x, j) * Unsafe.Add(ref y, j);
            pair[j] = j + 8 < count ? p + (Unsafe.Add(ref x, j + 8) * Unsafe.Add(ref y, j + 8)) : p;
        }

        return ((pair[0] + pair[1]) + (pair[2] + pair[3])) + ((pair[4] + pair[5]) + (pair[6] + pair[7]));
    }

    /// <summary>sqrt(Σ x²) with the pairwise sum; callers keep entries scaled so squares neither overflow nor underflow.</summary>
    public static double Norm2(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));
}
