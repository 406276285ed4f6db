using System.Globalization;

namespace Keel.Compression;

/// <summary>
/// Turns the provisional, first-seen numbering of the row pass into the canonical one: values of
/// each key column sorted (numerically when all are numbers, else ordinal string order), cells
/// sorted by their renumbered keys, and cells whose keys became equal (the spellings "1" and
/// "1.0", or "-0" and "0", or one key seen by two threads' passes) merged by exact addition.
/// Sort: when the ranks of all key columns pack into 63 bits (column 0 in the high bits, so the
/// packed order is the lexicographic order of the ranks), a partitioned radix sort of the entries
/// with their payloads (<see cref="PartitionedSortMerge"/>, parallel); otherwise a comparison sort.
/// Invariant: the output depends only on the multiset of (key, statistics) rows, not on their order
/// nor on how they were split into parts (the merge is exact addition).
/// Cost: O(V log V) per column for V distinct values; O(C·⌈bits/11⌉) for C entries (radix), else O(C log C).
/// </summary>
internal static class CellCanonicalizer
{
    /// <summary>
    /// The canonical table of the union of <paramref name="parts"/> (each with its own value ids).
    /// <paramref name="sumWFromRows"/>: the parts hold no Σw (an unweighted pass) and Σw is the row count.
    /// <paramref name="threads"/> share the sort; the table's bits do not depend on it.
    /// </summary>
    public static CellTable Canonicalize(IReadOnlyList<string> names, IReadOnlyList<CellPart> parts, bool sumWFromRows, RowPassCounts counts, int threads = 1)
    {
        int width = names.Count;
        threads = Math.Max(1, threads);
        var clock = new SubStageClock("cells");
        (ValueInterner[] interners, int[][]?[] globalId) = Union(width, parts);
        clock.Lap("union of values");
        bool[][] used = UsedValues(width, interners, parts, globalId, threads);
        clock.Lap("used values");
        var columns = new KeyColumn[width];
        var rankOfId = new int[width][];
        long total = 0;
        foreach (CellPart part in parts)
        {
            total += part.Count;
        }

        for (int j = 0; j < width; j++)
        {
            (columns[j], rankOfId[j]) = CanonicalColumn(names[j], interners[j], used[j]);
        }

        int[] bits = KeyBits(columns, out int totalBits);
        clock.Lap("canonical columns");
        if (totalBits < 64 && total < int.MaxValue / Math.Max(1, width))
        {
            int[][][] rankOfLocal = LocalRanks(parts, globalId, rankOfId);
            clock.Lap("local ranks");
            return PartitionedSortMerge.Run(columns, parts, rankOfLocal, bits, totalBits, (int)total, sumWFromRows, counts, threads);
        }

        if (total > int.MaxValue / Math.Max(1, width))
        {
            throw new KeelInputException($"the data have {total:N0} distinct cells so far, more than Keel can hold in one table");
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

        partOf[parts.Count] = (int)total;
        int[] order = Enumerable.Range(0, (int)total).ToArray();
        order.AsSpan().Sort((a, b) => canonical.AsSpan(a * width, width).SequenceCompareTo(canonical.AsSpan(b * width, width)));
        return Merge(columns, parts, partOf, canonical, order, sumWFromRows, counts);
    }

    // Bits of each column's rank in a packed key (column 0 highest) and their total.
    private static int[] KeyBits(KeyColumn[] columns, out int totalBits)
    {
        var bits = new int[columns.Length];
        totalBits = 0;
        for (int j = 0; j < columns.Length; j++)
        {
            bits[j] = columns[j].Count <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(columns[j].Count - 1));
            totalBits += bits[j];
        }

        return bits;
    }

    // Which values of each column some kept row uses: a value interned on a row that was then
    // dropped (a missing target, say) is no level. Parts are scanned in parallel; every write is
    // `true`, so the result does not depend on the interleaving.
    private static bool[][] UsedValues(int width, ValueInterner[] interners, IReadOnlyList<CellPart> parts, int[][]?[] globalId, int threads)
    {
        var used = new bool[width][];
        for (int j = 0; j < width; j++)
        {
            used[j] = new bool[interners[j].Values.Count];
        }

        Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
        {
            int[] keys = parts[p].Keys;
            int count = parts[p].Count;
            for (int j = 0; j < width; j++)
            {
                bool[] u = used[j];
                int[]? map = globalId[p]?[j];
                for (int c = 0; c < count; c++)
                {
                    int id = keys[(c * width) + j];
                    u[map is null ? id : map[id]] = true;
                }
            }
        });
        return used;
    }

    // Per part and column, the canonical rank of each local value id (parts that share interners share the table).
    private static int[][][] LocalRanks(IReadOnlyList<CellPart> parts, int[][]?[] globalId, int[][] rankOfId)
    {
        int width = rankOfId.Length;
        var result = new int[parts.Count][][];
        var byInterners = new Dictionary<ValueInterner[], int[][]>(ReferenceEqualityComparer.Instance);
        for (int p = 0; p < parts.Count; p++)
        {
            if (byInterners.TryGetValue(parts[p].Interners, out int[][]? ranks))
            {
                result[p] = ranks;
                continue;
            }

            ranks = new int[width][];
            for (int j = 0; j < width; j++)
            {
                int[]? map = globalId[p]?[j];
                ranks[j] = map is null ? rankOfId[j] : Array.ConvertAll(map, id => rankOfId[j][id]);
            }

            byInterners[parts[p].Interners] = ranks;
            result[p] = ranks;
        }

        return result;
    }

    // The global interner of each column and, per part, the map from its ids to the global ones
    // (null when the part's interners are the global ones: a single part).
    private static (ValueInterner[] Interners, int[][]?[] GlobalId) Union(int width, IReadOnlyList<CellPart> parts)
    {
        var globalId = new int[][]?[parts.Count];
        if (parts.All(p => ReferenceEquals(p.Interners, parts[0].Interners)))
        {
            return (parts[0].Interners, globalId);
        }

        var interners = new ValueInterner[width];
        for (int j = 0; j < width; j++)
        {
            interners[j] = new ValueInterner();
        }

        var done = new Dictionary<ValueInterner[], int[][]>(ReferenceEqualityComparer.Instance);
        for (int p = 0; p < parts.Count; p++)
        {
            if (done.TryGetValue(parts[p].Interners, out int[][]? maps))
            {
                // Parts of one pass (its table and its buffered rows) share its interners.
                globalId[p] = maps;
                continue;
            }

            globalId[p] = new int[width][];
            done[parts[p].Interners] = globalId[p]!;
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

    // Walks the sorted cells, adding runs of equal keys exactly into one output cell (keys wider than 63 bits).
    private static CellTable Merge(KeyColumn[] columns, IReadOnlyList<CellPart> parts, int[] partOf, int[] canonical, int[] order, bool sumWFromRows, RowPassCounts counts)
    {
        int width = columns.Length;
        int total = order.Length;
        int[] outKeys = new int[total * width];
        long[] outCount = new long[total];
        var outW = new ExactSum[total];
        var outWy = new ExactSum[total];
        var outWy2 = new ExactSum[total];
        ExactSum[]? outWe = parts.Any(p => p.SumWExpOffset is not null) ? new ExactSum[total] : null;
        ExactSum[]? outWyl = parts.Any(p => p.SumWYLogY is not null) ? new ExactSum[total] : null;
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
            CellPart part = parts[p];
            bool compact = part.IsCompact(c);
            bool sameAsPrevious = previous >= 0 && canonical.AsSpan(previous * width, width).SequenceEqual(canonical.AsSpan(g * width, width));
            if (!sameAsPrevious)
            {
                canonical.AsSpan(g * width, width).CopyTo(outKeys.AsSpan(m * width, width));
                m++;
                previous = g;
            }

            int o = m - 1;
            outCount[o] += part.Rows(c);
            if (!sumWFromRows)
            {
                outW[o].Add(in part.SumW![c]);
            }

            if (outWe is not null)
            {
                outWe[o].Add(in part.SumWExpOffset![c]);
            }

            if (outWyl is not null)
            {
                outWyl[o].Add(in part.SumWYLogY![c]);
            }

            if (compact)
            {
                // One row: Σy = y and Σy² = y·y, added exactly (the product is not rounded).
                double y = part.Y(c);
                outWy[o].Add(y);
                outWy2[o].AddProduct(y, y);
            }
            else
            {
                ref CellSums sums = ref part.Sums[part.Stats[c].Full];
                outWy[o].Add(in sums.Wy);
                outWy2[o].Add(in sums.Wy2);
            }
        }

        if (sumWFromRows)
        {
            for (int c = 0; c < m; c++)
            {
                outW[c] = ExactSum.OfCount(outCount[c]);
            }
        }

        if (m < total)
        {
            Array.Resize(ref outKeys, m * width);
            Array.Resize(ref outCount, m);
            Array.Resize(ref outW, m);
            Array.Resize(ref outWy, m);
            Array.Resize(ref outWy2, m);
            if (outWe is not null)
            {
                Array.Resize(ref outWe, m);
            }
        }

        return new CellTable(columns, m, outKeys, outCount, outW, outWy, outWy2, counts) { SumWExpOffset = outWe, SumWYLogY = outWyl };
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
