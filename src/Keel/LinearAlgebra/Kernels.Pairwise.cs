// Kernels, pairwise: the inner products of the dense factorisations (Householder QR, Jacobi SVD,
// refinement), summed pairwise in a tree fixed by the length. The other members of the family
// (Kernels.cs: Dot, Sum, Norm2, Axpy, Scale for the iterative solvers) use a wider, flatter tree;
// these keep the log-depth error bound the dense rank decisions are derived from (PairwiseErrorDepth).
//
// Objective: s = Σ x_i·y_i with an error that grows like log2(n), not n: recursive summation
// of many terms of one sign (a 0/1 design column against a Householder vector that is constant
// on a level) drifts by up to about n·u, which would blur exact dependencies at large m.
// Reference: Higham (2002), Accuracy and Stability of Numerical Algorithms, §4.2 (pairwise
// summation). The sum runs in four lanes, element i in lane i mod 4. Each block of LeafLength = 16
// products gives each lane the sum of its four products, left to right; block sums are merged lane
// by lane like a binary counter (two partial sums of 2^L blocks merge into one of 2^(L+1)), the
// remaining partial sums are added from the smallest up, and the lanes end as (l0 + l1) + (l2 + l3).
// The four lanes are one 256-bit register when the CPU has one and four scalars otherwise; both do
// the same additions in the same order (separate multiply and add, no FMA), so the same bits, and a
// test compares them. (Summing each block in one left-to-right chain, as before, was bound by the
// add latency and made the whole dense solve 2-4x slower than a Vector<T> dot; docs/benchmarks.md.)
// Invariant: the tree depends only on n, never on the CPU or threads, so the result is the same
// bits everywhere; every term passes through at most PairwiseErrorDepth(n) roundings, so
// |fl(x'y) − x'y| <= PairwiseErrorDepth(n)·u·Σ|x_i y_i| to first order (u = 2^-53).
// Cost: n multiplications and about n additions, like the plain loop.

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Keel.LinearAlgebra;

/// <summary>The dense solvers' members of the kernel family: inner products summed pairwise (header above).</summary>
internal static partial class Kernels
{
    /// <summary>Products per block (leaf of the tree); 16 keeps the blocks short and the tree shallow.</summary>
    private const int PairwiseLeafLength = 16;

    /// <summary>PairwiseLanes of the tree: element i of a block goes to lane i mod 4.</summary>
    private const int PairwiseLanes = 4;


    /// <summary>
    /// A k of |fl(x'y) − x'y| &lt;= k·u·Σ|x_i y_i| for length n: 16 roundings inside a block (a
    /// conservative count: a product now meets 4 in its block, the merges, and 2 combining the lanes,
    /// at most levels + 7 in all, which was 16 + levels + 1 when blocks were summed left to right; the
    /// rank tolerances derived from it are kept), then at most floor(log2(blocks)) + 1
    /// more in the merges.
    /// </summary>
    public static int PairwiseErrorDepth(int length)
    {
        long blocks = (length + (long)PairwiseLeafLength - 1) / PairwiseLeafLength;
        if (blocks <= 1)
        {
            return PairwiseLeafLength;
        }

        int levels = 0;
        for (long b = blocks; b > 1; b /= 2)
        {
            levels++;
        }

        return PairwiseLeafLength + levels + 1;
    }

    /// <summary>Σ x[i]·y[i] summed pairwise in the fixed tree of the file header.</summary>
    public static double PairwiseDot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}");
        }

        // Same bits either way (tested): the 256-bit path does, lane by lane, the additions of the scalar one.
        return Vector256.IsHardwareAccelerated ? PairwiseDotVector256(x, y) : PairwiseDotScalar(x, y);
    }

    /// <summary>The tree with the four lanes in scalar code (any CPU).</summary>
    internal static double PairwiseDotScalar(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        // Partial sums (four lanes each) with their block counts, strictly decreasing powers of two from the bottom.
        int depth = StackDepth(x.Length);
        Span<double> partial = stackalloc double[depth * PairwiseLanes];
        Span<long> blocksOf = stackalloc long[depth];
        int top = 0;
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        for (int i = 0; i < n; i += PairwiseLeafLength)
        {
            double s0, s1, s2, s3;
            if (n - i >= PairwiseLeafLength)
            {
                ref double xb = ref Unsafe.Add(ref xs, i);
                ref double yb = ref Unsafe.Add(ref ys, i);
                s0 = (((xb * yb) + (Unsafe.Add(ref xb, 4) * Unsafe.Add(ref yb, 4))) + (Unsafe.Add(ref xb, 8) * Unsafe.Add(ref yb, 8))) + (Unsafe.Add(ref xb, 12) * Unsafe.Add(ref yb, 12));
                s1 = (((Unsafe.Add(ref xb, 1) * Unsafe.Add(ref yb, 1)) + (Unsafe.Add(ref xb, 5) * Unsafe.Add(ref yb, 5))) + (Unsafe.Add(ref xb, 9) * Unsafe.Add(ref yb, 9))) + (Unsafe.Add(ref xb, 13) * Unsafe.Add(ref yb, 13));
                s2 = (((Unsafe.Add(ref xb, 2) * Unsafe.Add(ref yb, 2)) + (Unsafe.Add(ref xb, 6) * Unsafe.Add(ref yb, 6))) + (Unsafe.Add(ref xb, 10) * Unsafe.Add(ref yb, 10))) + (Unsafe.Add(ref xb, 14) * Unsafe.Add(ref yb, 14));
                s3 = (((Unsafe.Add(ref xb, 3) * Unsafe.Add(ref yb, 3)) + (Unsafe.Add(ref xb, 7) * Unsafe.Add(ref yb, 7))) + (Unsafe.Add(ref xb, 11) * Unsafe.Add(ref yb, 11))) + (Unsafe.Add(ref xb, 15) * Unsafe.Add(ref yb, 15));
            }
            else
            {
                (s0, s1, s2, s3) = PartLeaf(ref Unsafe.Add(ref xs, i), ref Unsafe.Add(ref ys, i), n - i);
            }

            long blocks = 1;
            while (top > 0 && blocksOf[top - 1] == blocks)
            {
                top--;
                s0 = partial[top * PairwiseLanes] + s0;
                s1 = partial[(top * PairwiseLanes) + 1] + s1;
                s2 = partial[(top * PairwiseLanes) + 2] + s2;
                s3 = partial[(top * PairwiseLanes) + 3] + s3;
                blocks *= 2;
            }

            partial[top * PairwiseLanes] = s0;
            partial[(top * PairwiseLanes) + 1] = s1;
            partial[(top * PairwiseLanes) + 2] = s2;
            partial[(top * PairwiseLanes) + 3] = s3;
            blocksOf[top] = blocks;
            top++;
        }

        double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        while (top > 0)
        {
            top--;
            t0 = partial[top * PairwiseLanes] + t0;
            t1 = partial[(top * PairwiseLanes) + 1] + t1;
            t2 = partial[(top * PairwiseLanes) + 2] + t2;
            t3 = partial[(top * PairwiseLanes) + 3] + t3;
        }

        return (t0 + t1) + (t2 + t3);
    }

    /// <summary>The tree with the four lanes in one 256-bit register (separate multiply and add, never FMA).</summary>
    internal static double PairwiseDotVector256(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int depth = StackDepth(x.Length);
        Span<Vector256<double>> partial = stackalloc Vector256<double>[depth];
        Span<long> blocksOf = stackalloc long[depth];
        int top = 0;
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        for (int i = 0; i < n; i += PairwiseLeafLength)
        {
            Vector256<double> s;
            if (n - i >= PairwiseLeafLength)
            {
                nuint at = (nuint)i;
                s = Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at), Vector256.LoadUnsafe(ref ys, at));
                s = Vector256.Add(s, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 4), Vector256.LoadUnsafe(ref ys, at + 4)));
                s = Vector256.Add(s, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 8), Vector256.LoadUnsafe(ref ys, at + 8)));
                s = Vector256.Add(s, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 12), Vector256.LoadUnsafe(ref ys, at + 12)));
            }
            else
            {
                (double s0, double s1, double s2, double s3) = PartLeaf(ref Unsafe.Add(ref xs, i), ref Unsafe.Add(ref ys, i), n - i);
                s = Vector256.Create(s0, s1, s2, s3);
            }

            long blocks = 1;
            while (top > 0 && blocksOf[top - 1] == blocks)
            {
                s = Vector256.Add(partial[--top], s);
                blocks *= 2;
            }

            partial[top] = s;
            blocksOf[top] = blocks;
            top++;
        }

        Vector256<double> total = Vector256<double>.Zero;
        while (top > 0)
        {
            total = Vector256.Add(partial[--top], total);
        }

        return (total.GetElement(0) + total.GetElement(1)) + (total.GetElement(2) + total.GetElement(3));
    }

    // The binary counter holds at most one partial sum per bit of the block count (sized to n, as
    // stackalloc zeroes what it takes: a fixed 32 levels cost short vectors 3x).
    private static int StackDepth(int length) => BitOperations.Log2((uint)((length / PairwiseLeafLength) + 1)) + 1;

    // The last, partial leaf (1..15 elements): lane j sums the elements j, j + 4, j + 8, j + 12 present,
    // in that order (+0 for a lane with none).
    private static (double, double, double, double) PartLeaf(ref double x, ref double y, int count)
    {
        double s0 = Lane(ref x, ref y, 0, count), s1 = Lane(ref x, ref y, 1, count);
        double s2 = Lane(ref x, ref y, 2, count), s3 = Lane(ref x, ref y, 3, count);
        return (s0, s1, s2, s3);
    }

    private static double Lane(ref double x, ref double y, int lane, int count)
    {
        if (lane >= count)
        {
            return 0.0;
        }

        double s = Unsafe.Add(ref x, lane) * Unsafe.Add(ref y, lane);
        for (int i = lane + PairwiseLanes; i < count; i += PairwiseLanes)
        {
            s += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        }

        return s;
    }

    /// <summary>sqrt(Σ x²) with the pairwise sum; callers keep entries scaled so squares neither overflow nor underflow.</summary>
    public static double PairwiseNorm2(ReadOnlySpan<double> x) => Math.Sqrt(PairwiseDot(x, x));
}
