// The blocked SequentialCholesky against the textbook row-by-row algorithm it reschedules.
//
// Property: the blocked schedule (panels of rows in vector lanes, chains carried across blocks) does
// every entry's subtractions in the same order as Golub & Van Loan's Algorithm 4.2.2 with column
// deletion, so L, the kept columns, the deleted columns' coefficients and L⁻¹ are the same bits, for
// any thread count. The reference below is that algorithm written one scalar at a time (the code
// Keel shipped before the blocking). Matrices are Gram matrices of random integer columns with exact
// dependencies planted (sums of earlier columns), sized around the panel and block edges.
using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Absorption;

namespace Keel.Tests.Absorption;

public class SequentialCholeskyTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(31, 2)]
    [InlineData(32, 1)]
    [InlineData(33, 3)]
    [InlineData(127, 2)]
    [InlineData(128, 1)]
    [InlineData(129, 2)]
    [InlineData(300, 3)]
    [InlineData(517, 2)]
    public void BlockedScheduleGivesTheTextbookBits(int q, int threads)
    {
        (double[] a, double[] norms) = GramWithDependencies(q, seed: (ulong)q);
        double tolerance = AbsorbedGram.RankTolerance(q);
        var blocked = SequentialCholesky.Factor(a, q, norms, tolerance, threads);
        var textbook = Textbook.Factor(a, q, norms, tolerance);

        Assert.Equal(textbook.Kept, blocked.Kept);
        Assert.True(textbook.Kept.Count < q || q < 5, "the planted dependencies are deleted");
        for (int i = 0; i < blocked.Kept.Count; i++)
        {
            for (int t = 0; t <= i; t++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(textbook.L(i, t)), BitConverter.DoubleToInt64Bits(blocked.L(i, t)));
            }
        }

        Assert.Equal(textbook.Dependencies.Count, blocked.Dependencies.Count);
        for (int k = 0; k < blocked.Dependencies.Count; k++)
        {
            Assert.Equal(textbook.Dependencies[k].Column, blocked.Dependencies[k].Column);
            Assert.Equal(textbook.Dependencies[k].OnKept.Select(BitConverter.DoubleToInt64Bits), blocked.Dependencies[k].OnKept.Select(BitConverter.DoubleToInt64Bits));
        }

        Assert.Equal(textbook.InverseL().Select(BitConverter.DoubleToInt64Bits), blocked.InverseLByColumn(threads).Select(BitConverter.DoubleToInt64Bits));

        // Written into the factored matrix's storage (LevelVariances passes S), whatever it held: the
        // same bits in the first r² entries, which is all a caller reads.
        int r = blocked.Kept.Count;
        double[] reused = blocked.InverseLByColumn(threads, storage: a);
        Assert.Same(a, reused);
        Assert.Equal(textbook.InverseL().Select(BitConverter.DoubleToInt64Bits), reused.Take(r * r).Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void PlantedDependenciesAreFoundWithTheirCoefficients()
    {
        // Column 5 = column 1 + 2·column 3 exactly (integer columns): its coefficients on the kept
        // columns are exactly that combination, up to the rounding of a well-conditioned solve.
        const int q = 6;
        var x = new double[40, q];
        ulong rng = 11;
        for (int i = 0; i < 40; i++)
        {
            for (int j = 0; j < 5; j++)
            {
                x[i, j] = (long)(SplitMix64.Next(ref rng) % 7) - 3;
            }

            x[i, 5] = x[i, 1] + (2 * x[i, 3]);
        }

        (double[] a, double[] norms) = Gram(x);
        var factor = SequentialCholesky.Factor(a, q, norms, AbsorbedGram.RankTolerance(q), threads: 2);
        Assert.Equal([0, 1, 2, 3, 4], factor.Kept);
        (int column, double[] onKept) = Assert.Single(factor.Dependencies);
        Assert.Equal(5, column);
        double[] expected = [0, 1, 0, 2, 0];
        for (int t = 0; t < 5; t++)
        {
            Assert.Equal(expected[t], onKept[t], 1e-10);
        }
    }

    private static (double[] A, double[] Norms) GramWithDependencies(int q, ulong seed)
    {
        int m = q + 20;
        var x = new double[m, q];
        ulong rng = seed;
        for (int j = 0; j < q; j++)
        {
            bool dependent = j % 7 == 3;
            int p1 = dependent ? (int)(SplitMix64.Next(ref rng) % (ulong)j) : 0;
            int p2 = dependent ? (int)(SplitMix64.Next(ref rng) % (ulong)j) : 0;
            for (int i = 0; i < m; i++)
            {
                x[i, j] = dependent ? x[i, p1] - (3 * x[i, p2]) : (long)(SplitMix64.Next(ref rng) % 11) - 5;
            }
        }

        return Gram(x);
    }

    private static (double[] A, double[] Norms) Gram(double[,] x)
    {
        int m = x.GetLength(0);
        int q = x.GetLength(1);
        var a = new double[q * q];
        for (int j = 0; j < q; j++)
        {
            for (int k = 0; k < q; k++)
            {
                double s = 0;
                for (int i = 0; i < m; i++)
                {
                    s += x[i, j] * x[i, k];
                }

                a[(j * q) + k] = s;
            }
        }

        return (a, Enumerable.Range(0, q).Select(j => a[(j * q) + j]).ToArray());
    }

    // Golub & Van Loan Algorithm 4.2.2 with column deletion, one scalar at a time.
    private sealed class Textbook
    {
        private readonly double[] _l;
        private readonly int _q;

        private Textbook(int q, double[] l, List<int> kept, List<(int, double[])> dependencies)
        {
            _q = q;
            _l = l;
            Kept = kept;
            Dependencies = dependencies;
        }

        public List<int> Kept { get; }

        public List<(int Column, double[] OnKept)> Dependencies { get; }

        public double L(int i, int t) => _l[(Kept[i] * _q) + t];

        public static Textbook Factor(double[] a, int q, double[] reference, double tolerance)
        {
            var l = new double[q * q];
            var kept = new List<int>();
            var dependencies = new List<(int, double[])>();
            for (int j = 0; j < q; j++)
            {
                int rowJ = j * q;
                for (int t = 0; t < kept.Count; t++)
                {
                    int rowK = kept[t] * q;
                    double s = a[rowJ + kept[t]];
                    for (int i = 0; i < t; i++)
                    {
                        s -= l[rowJ + i] * l[rowK + i];
                    }

                    l[rowJ + t] = s / l[rowK + t];
                }

                double d = a[rowJ + j];
                for (int t = 0; t < kept.Count; t++)
                {
                    d -= l[rowJ + t] * l[rowJ + t];
                }

                if (d <= tolerance * reference[j])
                {
                    dependencies.Add((j, BackSubstitute(l, q, kept, rowJ)));
                    Array.Clear(l, rowJ, q);
                    continue;
                }

                l[rowJ + kept.Count] = Math.Sqrt(d);
                kept.Add(j);
            }

            return new Textbook(q, l, kept, dependencies);
        }

        public double[] InverseL()
        {
            int r = Kept.Count;
            var inv = new double[r * r];
            for (int col = 0; col < r; col++)
            {
                Span<double> v = inv.AsSpan(col * r, r);
                v[col] = 1.0 / L(col, col);
                for (int i = col + 1; i < r; i++)
                {
                    double s = 0;
                    for (int t = col; t < i; t++)
                    {
                        s -= L(i, t) * v[t];
                    }

                    v[i] = s / L(i, i);
                }
            }

            return inv;
        }

        private static double[] BackSubstitute(double[] l, int q, List<int> kept, int rowJ)
        {
            int r = kept.Count;
            var z = new double[r];
            for (int t = r - 1; t >= 0; t--)
            {
                double s = l[rowJ + t];
                for (int i = t + 1; i < r; i++)
                {
                    s -= l[(kept[i] * q) + t] * z[i];
                }

                z[t] = s / l[(kept[t] * q) + t];
            }

            return z;
        }
    }
}
