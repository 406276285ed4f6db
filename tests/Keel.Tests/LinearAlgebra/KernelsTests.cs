// Kernels: the fixed tree reproduced bit for bit by an independent implementation, accuracy within
// the stated bound against the exact oracle, and Norm2 far from 1 (1e±200, subnormals, overflow).
using System.Numerics;
using Keel.LinearAlgebra;
using Keel.Tests.Compression;
using Keel.Tests.TestSupport;

namespace Keel.Tests.LinearAlgebra;

public class KernelsTests
{
    private const double U = Numeric.Eps / 2; // Unit roundoff 2^-53.

    private static readonly int[] Lengths = [0, 1, 2, 7, 8, 9, 15, 255, 256, 257, 511, 512, 513, 1000, 2049, 4099, 70_001];

    /// <summary>
    /// The tree of the header, written the other way round: chains as an array indexed by i mod 8,
    /// leaf sums collected first, then combined by recursion over leaf indices.
    /// </summary>
    internal static double ReferenceTree(Func<int, double> term, int n)
    {
        int leafCount = Math.Max(1, (n + Kernels.LeafLength - 1) / Kernels.LeafLength);
        var leafSums = new double[leafCount];
        for (int leaf = 0; leaf < leafCount; leaf++)
        {
            var chain = new double[Kernels.Chains];
            int start = leaf * Kernels.LeafLength;
            for (int i = start; i < Math.Min(n, start + Kernels.LeafLength); i++)
            {
                chain[(i - start) % Kernels.Chains] += term(i);
            }

            leafSums[leaf] = ((chain[0] + chain[1]) + (chain[2] + chain[3])) + ((chain[4] + chain[5]) + (chain[6] + chain[7]));
        }

        return Combine(leafSums, 0, leafCount);
    }

    private static double Combine(double[] sums, int from, int to)
    {
        if (to - from == 1)
        {
            return sums[from];
        }

        int middle = from + ((to - from + 1) / 2);
        return Combine(sums, from, middle) + Combine(sums, middle, to);
    }

    /// <summary>Additions on the path of one term through the tree (see the Kernels header).</summary>
    internal static int TreeDepth(int n)
    {
        int leaves = Math.Max(1, (n + Kernels.LeafLength - 1) / Kernels.LeafLength);
        int perChain = (Math.Min(n, Kernels.LeafLength) + Kernels.Chains - 1) / Kernels.Chains;
        return perChain + 2 + (int)Math.Ceiling(Math.Log2(leaves));
    }

    private static double Gamma(int k) => k * U / (1 - (k * U));

    private static double[] RandomVector(Random rng, int n, int minExp, int maxExp) =>
        [.. Enumerable.Range(0, n).Select(_ => RandomDoubles.Next(rng, minExp, maxExp))];

    [Fact]
    public void Dot_and_Sum_follow_the_documented_tree_bit_for_bit()
    {
        var rng = new Random(1);
        int differsFromNaive = 0;
        foreach (int n in Lengths)
        {
            double[] x = RandomVector(rng, n, -30, 30), y = RandomVector(rng, n, -30, 30);
            double dot = Kernels.Dot(x, y), sum = Kernels.Sum(x);
            Assert.Equal(BitConverter.DoubleToInt64Bits(ReferenceTree(i => x[i] * y[i], n)), BitConverter.DoubleToInt64Bits(dot));
            Assert.Equal(BitConverter.DoubleToInt64Bits(ReferenceTree(i => x[i], n)), BitConverter.DoubleToInt64Bits(sum));
            differsFromNaive += sum != x.Aggregate(0.0, (s, v) => s + v) ? 1 : 0;
        }

        Assert.True(differsFromNaive > 0, "the data should be hard enough that another summation order changes bits");
    }

    [Fact]
    public void Norm2_is_the_root_of_the_same_tree_in_the_safe_range()
    {
        var rng = new Random(2);
        foreach (int n in Lengths.Where(n => n > 0))
        {
            double[] x = RandomVector(rng, n, -100, 100);
            Assert.Equal(Math.Sqrt(ReferenceTree(i => x[i] * x[i], n)), Kernels.Norm2(x));
        }
    }

    [Theory]
    [InlineData(-30, 30)]
    [InlineData(-1, 1)]
    [InlineData(-500, -480)]
    public void Dot_and_Sum_are_within_the_blocked_pairwise_bound(int minExp, int maxExp)
    {
        var rng = new Random(3);
        foreach (int n in Lengths.Where(n => n > 0))
        {
            double[] x = RandomVector(rng, n, minExp, maxExp), y = RandomVector(rng, n, 0, 2);
            int h = TreeDepth(n);
            BigInteger exactDot = Enumerable.Range(0, n).Aggregate(BigInteger.Zero, (s, i) => s + ExactOracle.ScaledProduct(x[i], y[i]));
            double absDot = Enumerable.Range(0, n).Sum(i => Math.Abs(x[i] * y[i]));
            Numeric.AssertClose(ExactOracle.Round(exactDot), Kernels.Dot(x, y), rel: 0, abs: Gamma(h + 1) * absDot, what: $"Dot n={n}");
            double absSum = x.Sum(Math.Abs);
            Numeric.AssertClose(ExactOracle.Round(ExactOracle.Sum(x)), Kernels.Sum(x), rel: 0, abs: Gamma(h + 1) * absSum, what: $"Sum n={n}");
        }
    }

    [Theory]
    [InlineData(660, 670)]     // about 1e200: the squares overflow
    [InlineData(-670, -660)]   // about 1e-200: the squares underflow
    [InlineData(-1074, -1060)] // subnormals only
    [InlineData(-1060, 1000)]  // everything at once
    [InlineData(-5, 5)]        // the safe range
    public void Norm2_far_from_one_matches_the_exact_root(int minExp, int maxExp)
    {
        var rng = new Random(4);
        foreach (int n in new[] { 1, 2, 9, 300, 5000 })
        {
            double[] x = minExp < -1070
                ? [.. Enumerable.Range(0, n).Select(_ => RandomDoubles.Subnormal(rng))]
                : RandomVector(rng, n, minExp, maxExp);
            BigInteger sumOfSquares = x.Aggregate(BigInteger.Zero, (s, v) => s + ExactOracle.ScaledProduct(v, v));
            // sqrt(N·2^-2148) = sqrt(N)·2^-1074; the integer root is off by less than one unit of 2^-1074.
            double expected = ExactOracle.Round(IntegerSqrt(sumOfSquares) << 1074);
            Numeric.AssertClose(expected, Kernels.Norm2(x), rel: (TreeDepth(n) + 3) * U, abs: double.Epsilon, what: $"Norm2 n={n}");
        }
    }

    [Fact]
    public void Norm2_scales_exactly_by_powers_of_two_across_its_two_paths()
    {
        var rng = new Random(5);
        double[] x = RandomVector(rng, 3000, -20, 20);
        double norm = Kernels.Norm2(x);
        foreach (int j in new[] { -1000, -900, -600, -400, 0, 400, 600, 900, 1000 })
        {
            double[] scaled = [.. x.Select(v => Math.ScaleB(v, j))];
            Assert.Equal(Math.ScaleB(norm, j), Kernels.Norm2(scaled));
        }
    }

    [Fact]
    public void Norm2_special_cases()
    {
        Assert.Equal(0.0, Kernels.Norm2([]));
        Assert.Equal(0.0, Kernels.Norm2([0.0, -0.0]));
        Assert.Equal(5 * double.Epsilon, Kernels.Norm2([3 * double.Epsilon, -4 * double.Epsilon]));
        Assert.Equal(Math.ScaleB(5, 700), Kernels.Norm2([Math.ScaleB(-3, 700), Math.ScaleB(4, 700)]));
        Assert.Equal(double.MaxValue, Kernels.Norm2([double.MaxValue, 1e-300]));
        Assert.Equal(1e-300, Kernels.Norm2([-1e-300]));
        Assert.Equal(double.PositiveInfinity, Kernels.Norm2([1.0, double.NegativeInfinity]));
        Assert.True(double.IsNaN(Kernels.Norm2([double.PositiveInfinity, double.NaN])));
        Assert.True(double.IsNaN(Kernels.Dot([1.0, double.NaN], [1.0, 1.0])));
        Assert.Equal(0.0, Kernels.Dot([], []));
    }

    [Fact]
    public void Axpy_and_Scale_round_each_element_once_per_operation()
    {
        var rng = new Random(6);
        for (int n = 0; n < 12; n++)
        {
            double[] x = RandomVector(rng, n, -5, 5), y = RandomVector(rng, n, -5, 5);
            double a = RandomDoubles.Next(rng, -3, 3);
            double[] expected = [.. y.Select((v, i) => v + (a * x[i]))];
            Kernels.Axpy(a, x, y);
            Assert.Equal(expected, y);
            double[] scaledExpected = [.. x.Select(v => a * v)];
            Kernels.Scale(a, x);
            Assert.Equal(scaledExpected, x);
        }
    }

    [Fact]
    public void Mismatched_lengths_are_misuse()
    {
        Assert.Throws<ArgumentException>(() => Kernels.Dot([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => Kernels.Axpy(2.0, [1.0], new double[2]));
    }

    private static BigInteger IntegerSqrt(BigInteger n)
    {
        if (n.IsZero)
        {
            return n;
        }

        BigInteger r = BigInteger.One << (int)((n.GetBitLength() / 2) + 1); // r ≥ sqrt(n)
        while (true)
        {
            BigInteger next = (r + (n / r)) >> 1;
            if (next >= r)
            {
                return r;
            }

            r = next;
        }
    }
}
