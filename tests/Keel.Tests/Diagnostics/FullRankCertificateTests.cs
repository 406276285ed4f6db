// FullRankCertificate against the exact rank of the indicator matrix.
//
// Property: the certificate is a proof, so whenever it holds, the rank of [D_A D_B D_C] computed
// exactly (fraction-free Gaussian elimination over the integers, Bareiss 1968: no rounding at all) is
// the full L_A + L_B + L_C − 2; on designs with a factor determined by another it never holds. The
// random designs run from sparse (often deficient) to dense (usually full rank), so both answers occur,
// and the test checks they do. A small copy of fixest's benchmark shape shows the certificate holding
// where Weeks & Williams' nexus condition (rows differing in one factor only) cannot: there are fewer
// rows sharing two factors than (B, C) pairs to join.
using System.Numerics;
using Keel.Diagnostics;
using Keel.Rows;

namespace Keel.Tests.Diagnostics;

public class FullRankCertificateTests
{
    [Fact]
    public void Holds_only_where_the_exact_rank_is_full()
    {
        var rng = new Random(20261205);
        int held = 0;
        int deficient = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            int rows = rng.Next(8, 120);
            int[][] codes = [Draw(rng, rows, 14), Draw(rng, rows, 6), Draw(rng, rows, 5)];
            (RowColumns data, int[] segmentStart) = Sorted(codes);
            int full = data.Factors.Sum(f => f.LevelCount) - 2;
            int rank = ExactRank(data);
            bool holds = Holds(data, segmentStart);
            if (holds)
            {
                held++;
                Assert.Equal(full, rank);
            }

            deficient += rank < full ? 1 : 0;
        }

        Assert.True(held >= 30, $"the certificate held in {held} of 300 designs: too few to test the yes branch");
        Assert.True(deficient >= 30, $"{deficient} of 300 designs were rank-deficient: too few to test the no branch");
    }

    [Fact]
    public void Never_holds_when_a_factor_is_a_function_of_another()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            int rows = rng.Next(50, 400);
            int[] a = Draw(rng, rows, 20);
            int[] b = Draw(rng, rows, 9);
            int[] c = b.Select(x => x % 3).ToArray();
            (RowColumns data, int[] segmentStart) = Sorted([a, b, c]);
            Assert.True(ExactRank(data) < data.Factors.Sum(f => f.LevelCount) - 2);
            Assert.False(Holds(data, segmentStart));
        }
    }

    [Fact]
    public void Holds_on_a_small_copy_of_fixests_benchmark_where_nexus_pairs_are_too_few()
    {
        // 20 rows per A level, B and C drawn uniformly (fixest's recipe scaled to 24,000 rows: 1,200 / 155 / 60 levels).
        var rng = new Random(3);
        const int rows = 24_000;
        int[] a = Enumerable.Range(0, rows).Select(i => i / 20).ToArray();
        int[] b = Draw(rng, rows, 155);
        int[] c = Draw(rng, rows, 60);
        (RowColumns data, int[] segmentStart) = Sorted([a, b, c]);
        var pairs = new HashSet<(int, int)>();
        long nexusBC = 0;
        for (int s = 0; s + 1 < segmentStart.Length; s++)
        {
            var seen = new HashSet<(int, int)>();
            for (int i = segmentStart[s]; i < segmentStart[s + 1]; i++)
            {
                pairs.Add((data.Factors[1].Codes[i], data.Factors[2].Codes[i]));
                nexusBC += seen.Add((data.Factors[1].Codes[i], -1)) ? 0 : 1;
                nexusBC += seen.Add((-1, data.Factors[2].Codes[i])) ? 0 : 1;
            }
        }

        // Rows sharing A and one more factor are the only links between (B, C) nodes under the nexus
        // relation: fewer links than nodes − 1 cannot connect them.
        Assert.True(nexusBC < pairs.Count - 1, $"{nexusBC} nexus links for {pairs.Count} (B, C) pairs");
        Assert.True(Holds(data, segmentStart));
    }

    // A is factor 0 (rows sorted by it); B and C the others.
    private static bool Holds(RowColumns data, int[] segmentStart) =>
        FullRankCertificate.Holds(data.Factors[1].Codes, data.Factors[2].Codes, data.Factors[1].LevelCount, data.Factors[2].LevelCount, segmentStart, threads: 2);

    private static int[] Draw(Random rng, int rows, int levels) => Enumerable.Range(0, rows).Select(_ => rng.Next(levels)).ToArray();

    // Rows sorted by A; each factor's codes renumbered over the levels that occur (as the row reader does).
    private static (RowColumns Data, int[] SegmentStart) Sorted(int[][] codes)
    {
        int n = codes[0].Length;
        int[] order = Enumerable.Range(0, n).OrderBy(i => codes[0][i]).ThenBy(i => i).ToArray();
        var factors = new FactorColumn[codes.Length];
        for (int f = 0; f < codes.Length; f++)
        {
            int[] levels = codes[f].Distinct().Order().ToArray();
            var code = levels.Select((l, k) => (l, k)).ToDictionary(p => p.l, p => p.k);
            factors[f] = new FactorColumn("f" + f, true, levels.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), order.Select(i => code[codes[f][i]]).ToArray());
        }

        var segmentStart = new List<int> { 0 };
        for (int i = 1; i < n; i++)
        {
            if (factors[0].Codes[i] != factors[0].Codes[i - 1])
            {
                segmentStart.Add(i);
            }
        }

        segmentStart.Add(n);
        return (new RowColumns(new double[n], [], factors, new RowCounts(n, 0, 0)), [.. segmentStart]);
    }

    // Rank of the rows × (L_A + L_B + L_C) indicator matrix by Bareiss' fraction-free elimination.
    private static int ExactRank(RowColumns data)
    {
        int columns = data.Factors.Sum(f => f.LevelCount);
        var m = new BigInteger[data.Count][];
        for (int i = 0; i < data.Count; i++)
        {
            m[i] = new BigInteger[columns];
            int offset = 0;
            foreach (FactorColumn f in data.Factors)
            {
                m[i][offset + f.Codes[i]] = 1;
                offset += f.LevelCount;
            }
        }

        int rank = 0;
        BigInteger previous = 1;
        for (int col = 0; col < columns && rank < m.Length; col++)
        {
            int pivot = Array.FindIndex(m, rank, row => !row[col].IsZero);
            if (pivot < 0)
            {
                continue;
            }

            (m[rank], m[pivot]) = (m[pivot], m[rank]);
            for (int i = rank + 1; i < m.Length; i++)
            {
                for (int j = col + 1; j < columns; j++)
                {
                    m[i][j] = ((m[rank][col] * m[i][j]) - (m[i][col] * m[rank][j])) / previous;
                }

                m[i][col] = 0;
            }

            previous = m[rank][col];
            rank++;
        }

        return rank;
    }
}
