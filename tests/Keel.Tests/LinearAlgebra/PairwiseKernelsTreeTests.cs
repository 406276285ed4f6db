// Kernels.PairwiseDot: the 256-bit and the scalar implementation give the same bits, and both match an
// independent re-implementation of the tree of the header (lanes as arrays, the binary counter
// written as recursion over block indices). Kernels.Axpy/Scale in 256-bit registers match the plain
// element-wise loop bit for bit (a fused multiply-add anywhere would differ on most random inputs).
using Keel.LinearAlgebra;

namespace Keel.Tests.LinearAlgebra;

public class PairwiseKernelsTreeTests
{
    private static readonly int[] Lengths = [0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 255, 257, 1000, 4099, 50_021];

    [Fact]
    public void Vector_and_scalar_paths_and_an_independent_tree_agree_bit_for_bit()
    {
        var random = new Random(61);
        foreach (int n in Lengths)
        {
            double[] x = Enumerable.Range(0, n).Select(_ => (random.NextDouble() - 0.4) * Math.ScaleB(1.0, random.Next(-20, 20))).ToArray();
            double[] y = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            double reference = ReferenceTree(x, y);
            double scalar = Kernels.PairwiseDotScalar(x, y);
            Assert.True(BitConverter.DoubleToInt64Bits(reference) == BitConverter.DoubleToInt64Bits(scalar), $"n = {n}: scalar {scalar:R}, reference {reference:R}");
            if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            {
                double vector = Kernels.PairwiseDotVector256(x, y);
                Assert.True(BitConverter.DoubleToInt64Bits(reference) == BitConverter.DoubleToInt64Bits(vector), $"n = {n}: vector {vector:R}, reference {reference:R}");
            }

            Assert.Equal(reference, Kernels.PairwiseDot(x, y));
        }
    }

    [Fact]
    public void Axpy_and_scale_match_the_element_wise_loop()
    {
        var random = new Random(62);
        foreach (int n in Lengths)
        {
            double a = random.NextDouble() * 3 - 1.5;
            double[] x = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            double[] y = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            double[] expected = new double[n];
            for (int i = 0; i < n; i++)
            {
                double product = a * x[i]; // rounded on its own: a fused a·x + y would differ
                expected[i] = y[i] + product;
            }

            Kernels.Axpy(a, x, y);
            Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), y.Select(BitConverter.DoubleToInt64Bits));

            double[] scaled = x.Select(v => v * a).ToArray();
            Kernels.Scale(a, x);
            Assert.Equal(scaled.Select(BitConverter.DoubleToInt64Bits), x.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    // Lane j of a block of 16 sums the products j, j + 4, j + 8, j + 12 left to right; blocks merge
    // as a binary counter: block sums of the longest power-of-two runs from the left, pairwise, then
    // those run sums added from the smallest (rightmost) up; lanes end as (l0 + l1) + (l2 + l3).
    private static double ReferenceTree(double[] x, double[] y)
    {
        int blocks = (x.Length + 15) / 16;
        var lanes = new double[4];
        for (int lane = 0; lane < 4; lane++)
        {
            var blockSums = new double[blocks];
            for (int b = 0; b < blocks; b++)
            {
                double s = 0;
                bool first = true;
                for (int i = (b * 16) + lane; i < Math.Min(x.Length, (b * 16) + 16); i += 4)
                {
                    s = first ? x[i] * y[i] : s + (x[i] * y[i]);
                    first = false;
                }

                blockSums[b] = s;
            }

            // Runs: the binary expansion of the block count, largest run first.
            var runs = new List<double>();
            int start = 0;
            for (int bit = 30; bit >= 0; bit--)
            {
                int size = 1 << bit;
                if ((blocks & size) != 0)
                {
                    runs.Add(Pairwise(blockSums, start, size));
                    start += size;
                }
            }

            double total = 0;
            for (int r = runs.Count - 1; r >= 0; r--)
            {
                total = runs[r] + total;
            }

            lanes[lane] = total;
        }

        return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    }

    private static double Pairwise(double[] sums, int start, int size) =>
        size == 1 ? sums[start] : Pairwise(sums, start, size / 2) + Pairwise(sums, start + (size / 2), size / 2);
}
