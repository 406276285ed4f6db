// Kernels: reproducible dense vector kernels.
//
// Objective: Dot = Σ x_i·y_i, Sum = Σ x_i, Norm2 = (Σ x_i²)^½ without spurious overflow or
//   underflow, Axpy y ← y + a·x, Scale x ← a·x.
// Reference: Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed. (2002), §4.2 and
//   §4.3 (blocked and pairwise summation and their error bounds); Anderson, "Algorithm 978: Safe
//   scaling in the Level 1 BLAS", ACM TOMS 44(1), 2017 (scaling the norm by a power of two).
// Invariant: every reduction runs one fixed tree whose shape depends only on the length: leaves of
//   LeafLength elements, each summed in Chains interleaved chains (element i goes to chain i mod 8,
//   in increasing i) combined as ((c0+c1)+(c2+c3))+((c4+c5)+(c6+c7)); leaves combined pairwise, the
//   left half taking ⌈leaves/2⌉ leaves. Only correctly rounded + and × are used: no Vector<T>, no
//   TensorPrimitives, no threads, no FMA (RyuJIT never contracts a·b + c). Same bits on every CPU.
//   Axpy and Scale are element-wise (each element rounded on its own), so they use 256-bit registers
//   when the CPU has them, with a separate multiply and add: the same bits as the scalar loop (tested).
//   Results depend on the order of the elements, not only on their multiset (use ExactSum for that).
// Error: with h = ⌈min(n, LeafLength)/8⌉ + 2 + ⌈log2 ⌈n/LeafLength⌉⌉ additions on any term's path,
//   |Sum − Σ x_i| ≤ γ_h·Σ|x_i| and |Dot − Σ x_i·y_i| ≤ γ_{h+1}·Σ|x_i·y_i|, γ_k = k·u/(1 − k·u),
//   u = 2^-53 (Higham, eq. 4.4 applied to this tree).
// Cost: one pass, 8 independent chains so the adds pipeline (not slower than a naive loop); Norm2
//   makes a second, scaled pass only when the first one overflowed or fell below 2^-960.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Keel.LinearAlgebra;

/// <summary>
/// Vector kernels whose results depend only on the data and its length, never on the CPU's vector
/// width or the thread count.
/// </summary>
internal static partial class Kernels
{
    /// <summary>Elements per leaf of the reduction tree.</summary>
    internal const int LeafLength = 256;

    /// <summary>Independent accumulation chains inside a leaf.</summary>
    internal const int Chains = 8;

    // Below 2^-960 a sum of squares may hold underflowed squares whose error (≤ 2^-1075 each) is no
    // longer negligible next to u·sum for long vectors; any finite sum has had no overflow.
    private static readonly double NormSafeMinimum = Math.ScaleB(1.0, -960);

    private interface ITerm
    {
        static abstract double Of(double x, double y, double scale);
    }

    /// <summary>Σ x_i·y_i.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Dot: the vectors have lengths {x.Length} and {y.Length}; they must match.", nameof(y));
        }

        return Tree<Product>(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length, 1.0);
    }

    /// <summary>Σ x_i, over the same tree as Dot.</summary>
    public static double Sum(ReadOnlySpan<double> x)
    {
        ref double first = ref MemoryMarshal.GetReference(x);
        return Tree<Value>(ref first, ref first, x.Length, 1.0);
    }

    /// <summary>
    /// Euclidean norm, without overflow or underflow for representable results: equal to
    /// Math.Sqrt(Dot(x, x)) whenever that sum of squares is finite and at least 2^-960; otherwise
    /// the elements are scaled by 2^k, k = −ILogB(max |x_i|), which is exact, and the root scaled back.
    /// </summary>
    public static double Norm2(ReadOnlySpan<double> x)
    {
        ref double first = ref MemoryMarshal.GetReference(x);
        double sumOfSquares = Tree<Product>(ref first, ref first, x.Length, 1.0);
        if (sumOfSquares >= NormSafeMinimum && sumOfSquares <= double.MaxValue)
        {
            return Math.Sqrt(sumOfSquares);
        }

        // Rare: too large, too small, zero, or not finite. The scale depends only on the data.
        double max = 0.0;
        foreach (double v in x)
        {
            max = Math.Max(max, Math.Abs(v)); // Math.Max propagates NaN.
        }

        if (max == 0.0 || !double.IsFinite(max))
        {
            return max;
        }

        int k = Math.Clamp(-Math.ILogB(max), -1023, 1023); // 2^k is a double; max·2^k lies in [2^-51, 2).
        double scaled = Tree<ScaledSquare>(ref first, ref first, x.Length, Math.ScaleB(1.0, k));
        return Math.ScaleB(Math.Sqrt(scaled), -k);
    }

    /// <summary>y ← y + a·x (each element rounded twice: the product, then the sum).</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Axpy: x has length {x.Length} and y {y.Length}; they must match.", nameof(y));
        }

        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Element-wise, so the same bits as the scalar loop: a separate multiply and add per element
            // (Vector256.Multiply then Add, never fused), whatever the register width.
            var va = Vector256.Create(a);
            for (; i <= n - 4; i += 4)
            {
                nuint at = (nuint)i;
                Vector256.Add(Vector256.LoadUnsafe(ref ys, at), Vector256.Multiply(va, Vector256.LoadUnsafe(ref xs, at))).StoreUnsafe(ref ys, at);
            }
        }

        for (; i <= n - 4; i += 4)
        {
            Unsafe.Add(ref ys, i) += a * Unsafe.Add(ref xs, i);
            Unsafe.Add(ref ys, i + 1) += a * Unsafe.Add(ref xs, i + 1);
            Unsafe.Add(ref ys, i + 2) += a * Unsafe.Add(ref xs, i + 2);
            Unsafe.Add(ref ys, i + 3) += a * Unsafe.Add(ref xs, i + 3);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) += a * Unsafe.Add(ref xs, i);
        }
    }

    /// <summary>x ← a·x.</summary>
    public static void Scale(double a, Span<double> x)
    {
        ref double xs = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 4; i += 4)
            {
                nuint at = (nuint)i;
                Vector256.Multiply(va, Vector256.LoadUnsafe(ref xs, at)).StoreUnsafe(ref xs, at);
            }
        }

        for (; i <= n - 4; i += 4)
        {
            Unsafe.Add(ref xs, i) *= a;
            Unsafe.Add(ref xs, i + 1) *= a;
            Unsafe.Add(ref xs, i + 2) *= a;
            Unsafe.Add(ref xs, i + 3) *= a;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref xs, i) *= a;
        }
    }

    /// <summary>The fixed pairwise tree over leaves; its shape depends only on n.</summary>
    private static double Tree<T>(ref double x, ref double y, int n, double scale)
        where T : struct, ITerm
    {
        if (n <= LeafLength)
        {
            return Leaf<T>(ref x, ref y, n, scale);
        }

        int leaves = ((n - 1) / LeafLength) + 1;
        int left = ((leaves + 1) / 2) * LeafLength;
        return Tree<T>(ref x, ref y, left, scale)
            + Tree<T>(ref Unsafe.Add(ref x, left), ref Unsafe.Add(ref y, left), n - left, scale);
    }

    /// <summary>One leaf: element i into chain i mod 8, then ((c0+c1)+(c2+c3))+((c4+c5)+(c6+c7)).</summary>
    private static double Leaf<T>(ref double x, ref double y, int n, double scale)
        where T : struct, ITerm
    {
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
        int i = 0;
        for (; i <= n - Chains; i += Chains)
        {
            c0 += T.Of(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i), scale);
            c1 += T.Of(Unsafe.Add(ref x, i + 1), Unsafe.Add(ref y, i + 1), scale);
            c2 += T.Of(Unsafe.Add(ref x, i + 2), Unsafe.Add(ref y, i + 2), scale);
            c3 += T.Of(Unsafe.Add(ref x, i + 3), Unsafe.Add(ref y, i + 3), scale);
            c4 += T.Of(Unsafe.Add(ref x, i + 4), Unsafe.Add(ref y, i + 4), scale);
            c5 += T.Of(Unsafe.Add(ref x, i + 5), Unsafe.Add(ref y, i + 5), scale);
            c6 += T.Of(Unsafe.Add(ref x, i + 6), Unsafe.Add(ref y, i + 6), scale);
            c7 += T.Of(Unsafe.Add(ref x, i + 7), Unsafe.Add(ref y, i + 7), scale);
        }

        // The tail (fewer than 8 elements) continues chains 0, 1, ... in order.
        int tail = n - i;
        if (tail > 0)
        {
            c0 += T.Of(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i), scale);
        }

        if (tail > 1)
        {
            c1 += T.Of(Unsafe.Add(ref x, i + 1), Unsafe.Add(ref y, i + 1), scale);
        }

        if (tail > 2)
        {
            c2 += T.Of(Unsafe.Add(ref x, i + 2), Unsafe.Add(ref y, i + 2), scale);
        }

        if (tail > 3)
        {
            c3 += T.Of(Unsafe.Add(ref x, i + 3), Unsafe.Add(ref y, i + 3), scale);
        }

        if (tail > 4)
        {
            c4 += T.Of(Unsafe.Add(ref x, i + 4), Unsafe.Add(ref y, i + 4), scale);
        }

        if (tail > 5)
        {
            c5 += T.Of(Unsafe.Add(ref x, i + 5), Unsafe.Add(ref y, i + 5), scale);
        }

        if (tail > 6)
        {
            c6 += T.Of(Unsafe.Add(ref x, i + 6), Unsafe.Add(ref y, i + 6), scale);
        }

        return ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7));
    }

    private readonly struct Product : ITerm
    {
        public static double Of(double x, double y, double scale) => x * y;
    }

    private readonly struct Value : ITerm
    {
        public static double Of(double x, double y, double scale) => x;
    }

    private readonly struct ScaledSquare : ITerm
    {
        public static double Of(double x, double y, double scale)
        {
            double v = x * scale; // Exact unless v is subnormal, and then v² is negligible.
            return v * v;
        }
    }
}
