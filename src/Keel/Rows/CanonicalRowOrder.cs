// CanonicalRowOrder: puts the rows in an order that depends only on their multiset, so that every
// floating-point sum over them is the same whatever order the file had, however it was split and
// however many threads read it (docs/reproducibility.md).
//
// Order: by the code of the absorbing factor (a counting sort: its rows become contiguous, one
// segment per level, which the fixed-effects projection walks), then within a segment by the
// other factors' codes, then by the bits of the target and of each covariate. Rows equal in all of
// these are equal in every value used, so their relative order cannot change a sum.
// Cost: O(n) for the counting sort, O(m log m) per segment of m rows (segments in parallel), and
// one gather per column.
namespace Keel.Rows;

internal static class CanonicalRowOrder
{
    /// <summary>Reorders <paramref name="rows"/>; returns the start of each level's segment of factor <paramref name="absorbing"/> (length levels + 1).</summary>
    public static int[] Apply(RowColumns rows, int absorbing, int threads)
    {
        int n = rows.Count;
        FactorColumn first = rows.Factors[absorbing];
        int levels = first.LevelCount;
        var start = new int[levels + 1];
        foreach (int c in first.Codes)
        {
            start[c + 1]++;
        }

        for (int l = 0; l < levels; l++)
        {
            start[l + 1] += start[l];
        }

        var next = (int[])start.Clone();
        var order = GC.AllocateUninitializedArray<int>(n);
        int[] codes = first.Codes;
        for (int i = 0; i < n; i++)
        {
            order[next[codes[i]]++] = i;
        }

        var comparer = new RowComparer(
            rows.Factors.Where((_, f) => f != absorbing).Select(f => f.Codes).ToArray(),
            [rows.Target, .. rows.Covariates]);
        const int levelsPerBlock = 1 << 10;
        int blocks = (levels + levelsPerBlock - 1) / levelsPerBlock;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, b =>
        {
            int end = Math.Min(levels, (b + 1) * levelsPerBlock);
            for (int l = b * levelsPerBlock; l < end; l++)
            {
                order.AsSpan(start[l], start[l + 1] - start[l]).Sort(comparer);
            }
        });

        rows.Permute(order, threads);
        return start;
    }

    private readonly struct RowComparer(int[][] codes, double[][] values) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            foreach (int[] c in codes)
            {
                int d = c[a].CompareTo(c[b]);
                if (d != 0)
                {
                    return d;
                }
            }

            foreach (double[] v in values)
            {
                int d = BitConverter.DoubleToInt64Bits(v[a]).CompareTo(BitConverter.DoubleToInt64Bits(v[b]));
                if (d != 0)
                {
                    return d;
                }
            }

            return 0;
        }
    }
}
