using System.Globalization;

namespace Keel.Compression;

/// <summary>
/// Turns the provisional, first-seen numbering of the row pass into the canonical one: values of
/// each key column sorted (numerically when all are numbers, else ordinal string order), cells
/// sorted by their renumbered keys, and cells whose keys became equal (the spellings "1" and
/// "1.0", or "-0" and "0", or one key seen by two threads' passes) merged by exact addition.
/// Sort: when the ranks of all key columns pack into 64 bits (column 0 in the high bits, so the
/// packed order is the lexicographic order of the ranks), an LSD radix sort on the packed key
/// (Knuth, TAOCP vol. 3, 5.2.5), 11 bits a pass, only over the bits in use; otherwise a comparison sort.
/// Invariant: the output depends only on the multiset of (key, statistics) rows, not on their order
/// nor on how they were split into parts (the merge is exact addition).
/// Cost: O(V log V) per column for V distinct values; O(C·⌈bits/11⌉) for C cells (radix), else O(C log C).
/// </summary>
internal static class CellCanonicalizer
{
    private const int RadixBits = 11;

    /// <summary>One part with the statistics in parallel lists (the cells-file merger's layout).</summary>
    public static CellTable Canonicalize(
        IReadOnlyList<string> names,
        ValueInterner[] interners,
        ReadOnlySpan<int> provisionalKeys,
        IReadOnlyList<long> rowCount,
        IReadOnlyList<ExactSum> sumW,
        IReadOnlyList<ExactSum> sumWy,
        IReadOnlyList<ExactSum> sumWy2,
        RowPassCounts counts)
    {
        var stats = new CellStats[rowCount.Count];
        var w = new ExactSum[rowCount.Count];
        for (int c = 0; c < stats.Length; c++)
        {
            stats[c] = new CellStats { Rows = rowCount[c], Wy = sumWy[c], Wy2 = sumWy2[c] };
            w[c] = sumW[c];
        }

        return Canonicalize(names, [new CellPart(interners, provisionalKeys.ToArray(), stats, w, stats.Length)], sumWFromRows: false, counts);
    }

    /// <summary>
    /// The canonical table of the union of <paramref name="parts"/> (each with its own value ids).
    /// <paramref name="sumWFromRows"/>: the parts hold no Σw (an unweighted pass) and Σw is the row count.
    /// </summary>
    public static CellTable Canonicalize(IReadOnlyList<string> names, IReadOnlyList<CellPart> parts, bool sumWFromRows, RowPassCounts counts)
    {
        int width = names.Count;
        (ValueInterner[] interners, int[][]?[] globalId) = Union(width, parts);
        var columns = new KeyColumn[width];
        var rankOfId = new int[width][];
        int total = 0;
        foreach (CellPart part in parts)
        {
            total += part.Count;
        }

        for (int j = 0; j < width; j++)
        {
            // A value interned on a row that was then dropped (a missing target, say) is no level.
            var used = new bool[interners[j].Values.Count];
            for (int p = 0; p < parts.Count; p++)
            {
                int[] keys = parts[p].Keys;
                int[]? map = globalId[p]?[j];
                for (int c = 0; c < parts[p].Count; c++)
                {
                    int id = keys[(c * width) + j];
                    used[map is null ? id : map[id]] = true;
                }
            }

            (columns[j], rankOfId[j]) = CanonicalColumn(names[j], interners[j], used);
        }

        // Canonical keys of every cell of every part, in part order (cell g of the union).
        int[] canonical = new int[total * width];
        var partOf = new int[parts.Count + 1];
        for (int p = 0, g = 0; p < parts.Count; p++)
        {
            partOf[p] = g;
            int[] keys = parts[p].Keys;
            for (int c = 0; c < parts[p].Count; c++, g++)
            {
                for (int j = 0; j < width; j++)
                {
                    int id = keys[(c * width) + j];
                    int[]? map = globalId[p]?[j];
                    canonical[(g * width) + j] = rankOfId[j][map is null ? id : map[id]];
                }
            }
        }

        partOf[parts.Count] = total;
        int[] order = SortedOrder(canonical, columns, total);
        return Merge(columns, parts, partOf, canonical, order, sumWFromRows, counts);
    }

    // The global interner of each column and, per part, the map from its ids to the global ones
    // (null when the part's interners are the global ones: a single part).
    private static (ValueInterner[] Interners, int[][]?[] GlobalId) Union(int width, IReadOnlyList<CellPart> parts)
    {
        var globalId = new int[][]?[parts.Count];
        if (parts.Count == 1)
        {
            return (parts[0].Interners, globalId);
        }

        var interners = new ValueInterner[width];
        for (int j = 0; j < width; j++)
        {
            interners[j] = new ValueInterner();
        }

        for (int p = 0; p < parts.Count; p++)
        {
            globalId[p] = new int[width][];
            for (int j = 0; j < width; j++)
            {
                ValueInterner from = parts[p].Interners[j];
                var map = new int[from.Values.Count];
                for (int id = 0; id < map.Length; id++)
                {
                    // Keeps the earliest first line of a value seen by several parts.
                    map[id] = interners[j].Intern(from.Values[id], from.FirstLine[id]);
                }

                globalId[p]![j] = map;
            }
        }

        return (interners, globalId);
    }

    // The cells (indices into the union) in ascending lexicographic order of their canonical keys.
    private static int[] SortedOrder(int[] canonical, KeyColumn[] columns, int total)
    {
        int width = columns.Length;
        var bits = new int[width];
        int totalBits = 0;
        for (int j = 0; j < width; j++)
        {
            bits[j] = columns[j].Count <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(columns[j].Count - 1));
            totalBits += bits[j];
        }

        int[] order = new int[total];
        for (int g = 0; g < total; g++)
        {
            order[g] = g;
        }

        if (totalBits > 64)
        {
            order.AsSpan().Sort((a, b) => canonical.AsSpan(a * width, width).SequenceCompareTo(canonical.AsSpan(b * width, width)));
            return order;
        }

        var packed = new ulong[total];
        for (int g = 0; g < total; g++)
        {
            ulong key = 0;
            for (int j = 0; j < width; j++)
            {
                key = (key << bits[j]) | (uint)canonical[(g * width) + j];
            }

            packed[g] = key;
        }

        RadixSort(packed, order, totalBits);
        return order;
    }

    /// <summary>Sorts <paramref name="keys"/> ascending (stable), permuting <paramref name="items"/> alike; only the low <paramref name="bits"/> bits may be set.</summary>
    internal static void RadixSort(ulong[] keys, int[] items, int bits)
    {
        int n = keys.Length;
        var keysOut = new ulong[n];
        var itemsOut = new int[n];
        var start = new int[1 << RadixBits];
        for (int shift = 0; shift < bits; shift += RadixBits)
        {
            Array.Clear(start);
            const ulong Mask = (1UL << RadixBits) - 1;
            foreach (ulong k in keys)
            {
                start[(int)((k >> shift) & Mask)]++;
            }

            // Counts become start offsets: a stable counting sort on this digit.
            int sum = 0;
            for (int d = 0; d < start.Length; d++)
            {
                (start[d], sum) = (sum, sum + start[d]);
            }

            for (int i = 0; i < n; i++)
            {
                int at = start[(int)((keys[i] >> shift) & Mask)]++;
                keysOut[at] = keys[i];
                itemsOut[at] = items[i];
            }

            (keys, keysOut) = (keysOut, keys);
            (items, itemsOut) = (itemsOut, items);
        }

        // An odd number of passes left the result in the scratch arrays.
        if (((bits + RadixBits - 1) / RadixBits) % 2 == 1)
        {
            keys.CopyTo(keysOut, 0);
            items.CopyTo(itemsOut, 0);
        }
    }

    // Walks the sorted cells, adding runs of equal keys exactly into one output cell.
    private static CellTable Merge(KeyColumn[] columns, IReadOnlyList<CellPart> parts, int[] partOf, int[] canonical, int[] order, bool sumWFromRows, RowPassCounts counts)
    {
        int width = columns.Length;
        int total = order.Length;
        int[] outKeys = new int[total * width];
        long[] outCount = new long[total];
        var outW = new ExactSum[total];
        var outWy = new ExactSum[total];
        var outWy2 = new ExactSum[total];
        int m = 0;
        int previous = -1;
        foreach (int g in order)
        {
            int p = 0;
            while (partOf[p + 1] <= g)
            {
                p++;
            }

            int c = g - partOf[p];
            ref CellStats s = ref parts[p].Stats[c];
            bool sameAsPrevious = previous >= 0 && canonical.AsSpan(previous * width, width).SequenceEqual(canonical.AsSpan(g * width, width));
            if (sameAsPrevious)
            {
                outCount[m - 1] += s.Rows;
                if (!sumWFromRows)
                {
                    outW[m - 1].Add(in parts[p].SumW![c]);
                }

                outWy[m - 1].Add(in s.Wy);
                outWy2[m - 1].Add(in s.Wy2);
                continue;
            }

            canonical.AsSpan(g * width, width).CopyTo(outKeys.AsSpan(m * width, width));
            outCount[m] = s.Rows;

            // Moved, not copied: the part is spent, so no two live accumulators share limbs.
            if (!sumWFromRows)
            {
                outW[m] = parts[p].SumW![c];
            }

            outWy[m] = s.Wy;
            outWy2[m] = s.Wy2;
            m++;
            previous = g;
        }

        if (sumWFromRows)
        {
            for (int c = 0; c < m; c++)
            {
                // Two exact doubles (each below 2^32 times a power of two): Σw = rows exactly.
                outW[c].Add((double)(outCount[c] >> 32) * 4294967296.0);
                outW[c].Add((double)(outCount[c] & 0xFFFFFFFFL));
            }
        }

        if (m < total)
        {
            Array.Resize(ref outKeys, m * width);
            Array.Resize(ref outCount, m);
            Array.Resize(ref outW, m);
            Array.Resize(ref outWy, m);
            Array.Resize(ref outWy2, m);
        }

        return new CellTable(columns, m, outKeys, outCount, outW, outWy, outWy2, counts);
    }

    private static (KeyColumn Column, int[] RankOfId) CanonicalColumn(string name, ValueInterner interner, bool[] used)
    {
        IReadOnlyList<string> raw = interner.Values;
        var numbers = new double[raw.Count];
        bool numeric = raw.Count > 0;
        for (int i = 0; i < raw.Count && numeric; i++)
        {
            if (!used[i])
            {
                continue;
            }

            numeric = double.TryParse(raw[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) && double.IsFinite(numbers[i]);
            // -0.0 and 0.0 are one value (the cells contract).
            numbers[i] += 0.0;
        }

        return numeric ? NumericColumn(name, interner, numbers, used) : TextColumn(name, interner, used);
    }

    private static (KeyColumn, int[]) NumericColumn(string name, ValueInterner interner, double[] numbers, bool[] used)
    {
        double[] distinct = numbers.Where((_, i) => used[i]).Distinct().Order().ToArray();
        var rankOfId = new int[numbers.Length];
        var firstLine = new long[distinct.Length];
        Array.Fill(firstLine, long.MaxValue);
        for (int i = 0; i < numbers.Length; i++)
        {
            if (!used[i])
            {
                rankOfId[i] = -1;
                continue;
            }

            int rank = Array.BinarySearch(distinct, numbers[i]);
            rankOfId[i] = rank;
            firstLine[rank] = Math.Min(firstLine[rank], interner.FirstLine[i]);
        }

        string[] labels = distinct.Select(KeyColumn.NumberLabel).ToArray();
        return (new KeyColumn(name, true, labels, distinct, firstLine), rankOfId);
    }

    private static (KeyColumn, int[]) TextColumn(string name, ValueInterner interner, bool[] used)
    {
        IReadOnlyList<string> raw = interner.Values;
        int[] byLabel = Enumerable.Range(0, raw.Count).Where(i => used[i]).ToArray();
        Array.Sort(byLabel, (a, b) => string.CompareOrdinal(raw[a], raw[b]));
        var rankOfId = new int[raw.Count];
        Array.Fill(rankOfId, -1);
        var labels = new string[byLabel.Length];
        var firstLine = new long[byLabel.Length];
        for (int rank = 0; rank < byLabel.Length; rank++)
        {
            rankOfId[byLabel[rank]] = rank;
            labels[rank] = raw[byLabel[rank]];
            firstLine[rank] = interner.FirstLine[byLabel[rank]];
        }

        return (new KeyColumn(name, false, labels, [], firstLine), rankOfId);
    }
}
