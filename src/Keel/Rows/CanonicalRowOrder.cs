// CanonicalRowOrder: puts the rows in an order that depends only on their multiset, so that every
// floating-point sum over them is the same whatever order the file had, however it was split and
// however many threads read it (docs/reproducibility.md).
//
// Order: by the code of the absorbing factor (a counting sort: its rows become contiguous, one
// segment per level, which the fixed-effects projection walks), then within a segment by the
// other factors' codes, then by the bits of the target and of each covariate. Rows equal in all of
// these are equal in every value used, so their relative order cannot change a sum.
// Cost: O(n) for the counting sort and one gather per column; then per segment of m rows an
// O(m²) insertion sort (m ≤ 32) or an O(m log m) sort of the further codes packed into one 64-bit
// key (when their bits fit) with the comparer only within runs of equal keys; segments in parallel,
// in work items of about equal rows.
using System.Runtime.CompilerServices;

namespace Keel.Rows;

internal static class CanonicalRowOrder
{
    /// <summary>Reorders <paramref name="rows"/>; returns the start of each level's segment of factor <paramref name="absorbing"/> (length levels + 1).</summary>
    public static int[] Apply(RowColumns rows, int absorbing, int threads)
    {
        int n = rows.Count;
        var clock = new SubStageClock("order");
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

        // Where each row goes (a stable counting sort); the absorbing factor's codes are then
        // implied by the segments and written in order.
        var next = (int[])start.Clone();
        var destination = GC.AllocateUninitializedArray<int>(n);
        int[] codes = first.Codes;
        for (int i = 0; i < n; i++)
        {
            destination[i] = next[codes[i]]++;
        }

        for (int l = 0; l < levels; l++)
        {
            codes.AsSpan(start[l], start[l + 1] - start[l]).Fill(l);
        }

        clock.Lap("counting sort");
        // Rows grouped by level first (one scatter per column), so each segment's sort works on
        // contiguous values; then each segment is sorted in place.
        rows.Scatter(destination, skipFactor: absorbing, threads);
        clock.Lap("permute");
        int[][] otherCodes = rows.Factors.Where((_, f) => f != absorbing).Select(f => f.Codes).ToArray();
        int[] bits = rows.Factors.Where((_, f) => f != absorbing).Select(f => BitsFor(f.LevelCount)).ToArray();
        bool packs = bits.Sum() <= 64;
        double[][] values = [rows.Target, .. rows.Covariates];
        // Work items of about equal rows (a few levels can hold most rows: skewed factors), each a
        // run of whole segments; which thread sorts a segment cannot change its order.
        int items = Math.Max(1, Math.Min(levels, 64 * Math.Max(1, threads)));
        var itemStart = new int[items + 1];
        for (int it = 1, l = 0; it <= items; it++)
        {
            long rowsBefore = (long)n * it / items;
            while (l < levels && start[l] < rowsBefore)
            {
                l++;
            }

            itemStart[it] = it == items ? levels : Math.Max(itemStart[it - 1], l);
        }

        Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b) =>
        {
            int[] local = [];
            double[] doubles = [];
            int[] ints = [];
            ulong[] keys = [];
            var comparer = new RowComparer(otherCodes, values);
            for (int l = itemStart[b]; l < itemStart[b + 1]; l++)
            {
                int from = start[l];
                int m = start[l + 1] - from;
                if (m < 2)
                {
                    continue;
                }

                if (local.Length < m)
                {
                    local = new int[m];
                    doubles = new double[m];
                    ints = new int[m];
                    keys = packs && m > SmallSegment ? new ulong[m] : keys;
                }

                Span<int> index = local.AsSpan(0, m);
                for (int i = 0; i < m; i++)
                {
                    index[i] = from + i;
                }

                if (m <= SmallSegment)
                {
                    InsertionSort(index, comparer);
                }
                else if (packs)
                {
                    SortByPackedCodes(index, keys.AsSpan(0, m), otherCodes, bits, comparer);
                }
                else
                {
                    index.Sort(comparer);
                }

                bool identity = true;
                for (int i = 0; i < m && identity; i++)
                {
                    identity = index[i] == from + i;
                }

                if (identity)
                {
                    continue;
                }

                foreach (double[] v in values)
                {
                    for (int i = 0; i < m; i++)
                    {
                        doubles[i] = v[index[i]];
                    }

                    doubles.AsSpan(0, m).CopyTo(v.AsSpan(from, m));
                }

                foreach (int[] c in otherCodes)
                {
                    for (int i = 0; i < m; i++)
                    {
                        ints[i] = c[index[i]];
                    }

                    ints.AsSpan(0, m).CopyTo(c.AsSpan(from, m));
                }
            }
        });

        clock.Lap("segments");
        return start;
    }

    // Segments up to this many rows are sorted by insertion (m² comparisons beat a sort's set-up).
    private const int SmallSegment = 32;

    private static int BitsFor(int levelCount) => levelCount <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(levelCount - 1));

    // The comparer's order by a cheaper road: the further factors' codes packed into one key (the
    // first factor in the high bits, so key order is the comparer's order on codes), keys sorted with
    // the indexes, then each run of equal keys sorted by the comparer (its codes equal, so by the
    // target's and covariates' bits). Rows that tie in the comparer are equal in every value, so an
    // unstable sort moves no value differently.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SortByPackedCodes(Span<int> index, Span<ulong> keys, int[][] codes, int[] bits, RowComparer comparer)
    {
        for (int i = 0; i < index.Length; i++)
        {
            int row = index[i];
            ulong key = 0;
            for (int f = 0; f < codes.Length; f++)
            {
                key = (key << bits[f]) | (uint)codes[f][row];
            }

            keys[i] = key;
        }

        int totalBits = 0;
        foreach (int b in bits)
        {
            totalBits += b;
        }

        if (index.Length >= RadixRows)
        {
            RadixSort(keys, index, totalBits);
        }
        else
        {
            keys.Sort(index);
        }

        for (int run = 0; run < index.Length;)
        {
            int end = run + 1;
            while (end < index.Length && keys[end] == keys[run])
            {
                end++;
            }

            if (end - run > 1)
            {
                Span<int> tied = index[run..end];
                if (tied.Length <= SmallSegment)
                {
                    InsertionSort(tied, comparer);
                }
                else
                {
                    tied.Sort(comparer);
                }
            }

            run = end;
        }
    }

    // Segments from this many rows sort their keys by radix (a few linear passes) instead of by comparison.
    private const int RadixRows = 512;

    private const int DigitBits = 11;

    // Least-significant-digit radix sort of the keys with their indexes (stable per pass; Knuth,
    // TAOCP vol. 3, §5.2.5), DigitBits bits a pass over the keys' totalBits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RadixSort(Span<ulong> keys, Span<int> index, int totalBits)
    {
        int m = keys.Length;
        var keysOut = GC.AllocateUninitializedArray<ulong>(m);
        var indexOut = GC.AllocateUninitializedArray<int>(m);
        Span<int> offset = stackalloc int[1 << DigitBits];
        const ulong mask = (1UL << DigitBits) - 1;
        for (int shift = 0; shift < totalBits; shift += DigitBits)
        {
            offset.Clear();
            for (int i = 0; i < m; i++)
            {
                offset[(int)((keys[i] >> shift) & mask)]++;
            }

            int total = 0;
            for (int d = 0; d < offset.Length; d++)
            {
                int c = offset[d];
                offset[d] = total;
                total += c;
            }

            for (int i = 0; i < m; i++)
            {
                int at = offset[(int)((keys[i] >> shift) & mask)]++;
                keysOut[at] = keys[i];
                indexOut[at] = index[i];
            }

            keysOut.AsSpan(0, m).CopyTo(keys);
            indexOut.AsSpan(0, m).CopyTo(index);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InsertionSort(Span<int> index, RowComparer comparer)
    {
        for (int i = 1; i < index.Length; i++)
        {
            int x = index[i];
            int j = i - 1;
            while (j >= 0 && comparer.Compare(index[j], x) > 0)
            {
                index[j + 1] = index[j];
                j--;
            }

            index[j + 1] = x;
        }
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
