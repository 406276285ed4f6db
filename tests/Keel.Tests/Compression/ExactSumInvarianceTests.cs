// The invariants Keel's cells rely on: the result depends only on the multiset of inputs. Any
// order, any partition into partial accumulators, any merge tree gives the same bits.
using System.Numerics;
using Keel.Compression;

namespace Keel.Tests.Compression;

public class ExactSumInvarianceTests
{
    private static readonly string[] Kinds = ["similar", "decades", "full range", "subnormals", "cancellation"];

    private static long Bits(in ExactSum s) => BitConverter.DoubleToInt64Bits(s.ToDouble());

    [Fact]
    public void Shuffles_give_identical_bits()
    {
        var rng = new Random(42);
        foreach (string kind in Kinds)
        {
            List<double> xs = ExactSumTests.Mix(kind, 7, 1500);
            ExactSum reference = ExactSumTests.SumOf(xs);
            BigInteger value = ExactSumTests.ScaledValue(reference);
            for (int trial = 0; trial < 10; trial++)
            {
                double[] shuffled = [.. xs];
                rng.Shuffle(shuffled);
                ExactSum s = ExactSumTests.SumOf(shuffled);
                Assert.Equal(Bits(reference), Bits(s));
                Assert.Equal(value, ExactSumTests.ScaledValue(s));
            }
        }
    }

    [Fact]
    public void Merging_random_partitions_equals_one_pass()
    {
        var rng = new Random(99);
        foreach (string kind in Kinds)
        {
            List<double> xs = ExactSumTests.Mix(kind, 13, 1500);
            long expected = Bits(ExactSumTests.SumOf(xs));
            for (int trial = 0; trial < 10; trial++)
            {
                int parts = rng.Next(1, 40);
                var partial = new ExactSum[parts];
                foreach (double x in xs)
                {
                    partial[rng.Next(parts)].Add(x);         // in place: the array slot, never a copy
                }

                // Merge in a random tree: repeatedly fold a random part into another.
                var alive = Enumerable.Range(0, parts).ToList();
                while (alive.Count > 1)
                {
                    int from = alive[rng.Next(alive.Count)];
                    alive.Remove(from);
                    partial[alive[rng.Next(alive.Count)]].Add(in partial[from]);
                }

                Assert.Equal(expected, Bits(partial[alive[0]]));
                AssertAgreesWithOracle(xs, partial[alive[0]]);
            }
        }
    }

    [Fact]
    public void Products_and_sums_merge_across_inline_and_escalated_parts()
    {
        var rng = new Random(3);
        double[] a = [.. Enumerable.Range(0, 800).Select(i => RandomDoubles.Next(rng, i % 2 == 0 ? -20 : -700, i % 2 == 0 ? 20 : 700))];
        double[] b = [.. Enumerable.Range(0, 800).Select(_ => RandomDoubles.Next(rng, -20, 20))];
        BigInteger exact = Enumerable.Range(0, a.Length).Aggregate(BigInteger.Zero, (s, i) => s + ExactOracle.ScaledProduct(a[i], b[i]));
        for (int split = 0; split <= a.Length; split += 100)
        {
            ExactSum left = default, right = default;
            for (int i = 0; i < a.Length; i++)
            {
                if (i < split)
                {
                    left.AddProduct(a[i], b[i]);
                }
                else
                {
                    right.AddProduct(a[i], b[i]);
                }
            }

            ExactSum leftFirst = left.Clone(), rightFirst = right.Clone();
            leftFirst.Add(in right);
            rightFirst.Add(in left);
            ExactSumTests.AssertExact(exact, leftFirst, $"left+right at {split}");
            ExactSumTests.AssertExact(exact, rightFirst, $"right+left at {split}");
        }
    }

    [Fact]
    public void Adding_an_accumulator_to_itself_doubles_it()
    {
        foreach (string kind in Kinds)
        {
            List<double> xs = ExactSumTests.Mix(kind, 21, 400);
            ExactSum s = ExactSumTests.SumOf(xs);
            s.Add(in s);
            ExactSumTests.AssertExact(2 * ExactOracle.Sum(xs), s, kind);
        }
    }

    [Fact]
    public void Windows_far_apart_merge_exactly()
    {
        // Each part stays inline; only their union needs more than the 126-bit window.
        var rng = new Random(17);
        for (int gap = 0; gap <= 400; gap += 7)
        {
            List<double> low = [.. Enumerable.Range(0, 50).Select(_ => RandomDoubles.Next(rng, -30, -10))];
            List<double> high = [.. Enumerable.Range(0, 50).Select(_ => RandomDoubles.Next(rng, gap - 30, gap - 10))];
            ExactSum s = ExactSumTests.SumOf(low);
            ExactSum h = ExactSumTests.SumOf(high);
            s.Add(in h);
            ExactSumTests.AssertExact(ExactOracle.Sum(low.Concat(high)), s, $"gap {gap}");
        }
    }

    private static void AssertAgreesWithOracle(List<double> xs, in ExactSum s) =>
        ExactSumTests.AssertExact(ExactOracle.Sum(xs), s, "merged");
}
