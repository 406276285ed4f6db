using System.Runtime.CompilerServices;

namespace Keel.Compression;

/// <summary>
/// The canonical merge of cell parts when the ranks of all key columns pack into 63 bits: every
/// entry (a buffered row, a one-row cell, or a cell with exact sums) becomes a 16-byte record of its
/// packed canonical key and its payload; the records are scattered into buckets by the key's top
/// bits (an MSD radix pass), each bucket is sorted by an LSD radix sort on the remaining bits
/// (Knuth, TAOCP vol. 3, 5.2.5), and runs of equal keys are added exactly into one output cell.
/// Buckets are small enough to sort inside the cache and are independent, so threads take them in
/// any order (the partitioned radix sort of Satish et al., "Fast sort on CPUs and GPUs", SIGMOD
/// 2010, §4; Polychroniou and Ross, "A comprehensive study of main-memory partitioning and its
/// application to large-scale comparison- and radix-sort", SIGMOD 2014).
/// Invariant: the record layout depends only on the parts (bucket by bucket, parts in order), each
/// bucket's sort and sums are a function of its records alone, and the sums are exact: the table
/// has the same bits for every thread count and schedule, and for every split of the rows into parts.
/// Cost: two sequential reads of the parts (histogram, scatter), ⌈bits/11⌉ in-cache passes per
/// bucket, one sequential write of the output; 16 bytes per entry for the records.
/// </summary>
internal static class PartitionedSortMerge
{
    private const int DigitBits = 11;

    // About 256 KB of records a bucket: its LSD passes stay in a 1-2 MB L2 cache.
    private const int BucketEntries = 1 << 14;

    private const int MaxBucketBits = 12;

    /// <summary>A packed key and what it carries: Key = canonical key·2 + flag; flag 0: Payload is y's bits (one row); flag 1: Payload = part·2^32 + cell.</summary>
    internal struct Entry
    {
        public ulong Key;
        public long Payload;
    }

    /// <summary>
    /// The table of the union of <paramref name="parts"/>. <paramref name="rankOfLocal"/>[p][j] maps
    /// part p's value ids of column j to canonical ranks; <paramref name="bits"/>[j] is column j's
    /// width in the packed key (column 0 highest), <paramref name="totalBits"/> their sum (below 64).
    /// </summary>
    public static CellTable Run(KeyColumn[] columns, IReadOnlyList<CellPart> parts, int[][][] rankOfLocal, int[] bits, int totalBits, int total, bool sumWFromRows, RowPassCounts counts, int threads)
    {
        int width = columns.Length;
        var shift = new int[width];
        for (int j = width - 1, s = 0; j >= 0; j--)
        {
            shift[j] = s;
            s += bits[j];
        }

        int keyBits = totalBits + 1;
        int bucketBits = 0;
        while (bucketBits < Math.Min(MaxBucketBits, totalBits) && ((long)BucketEntries << bucketBits) < total)
        {
            bucketBits++;
        }

        int lowBits = keyBits - bucketBits;
        int buckets = 1 << bucketBits;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };

        // Histogram of each part, then each part's cursor into each bucket: bucket-major, parts in order.
        var clock = new SubStageClock("cells");
        var cursor = new int[parts.Count][];
        Parallel.For(0, parts.Count, options, p => cursor[p] = Histogram(parts[p], rankOfLocal[p], shift, lowBits, bucketBits));
        var bucketStart = new int[buckets + 1];
        for (int b = 0, at = 0; b < buckets; b++)
        {
            bucketStart[b] = at;
            for (int p = 0; p < parts.Count; p++)
            {
                (cursor[p][b], at) = (at, at + cursor[p][b]);
            }

            bucketStart[b + 1] = at;
        }

        var entries = new Entry[total];
        Parallel.For(0, parts.Count, options, p => Scatter(parts[p], p, rankOfLocal[p], shift, lowBits, bucketBits, cursor[p], entries));

        clock.Lap("histogram and scatter");
        int largest = 0;
        for (int b = 0; b < buckets; b++)
        {
            largest = Math.Max(largest, bucketStart[b + 1] - bucketStart[b]);
        }

        // Sort each bucket on the key bits below the bucket's and count its distinct keys.
        var distinct = new int[buckets + 1];
        Parallel.For(
            0,
            buckets,
            options,
            () => new Entry[largest],
            (b, _, scratch) =>
            {
                distinct[b] = SortBucket(entries.AsSpan(bucketStart[b], bucketStart[b + 1] - bucketStart[b]), scratch, lowBits - 1);
                return scratch;
            },
            _ => { });

        clock.Lap("sort buckets");
        var cellStart = new int[buckets + 1];
        for (int b = 0; b < buckets; b++)
        {
            cellStart[b + 1] = cellStart[b] + distinct[b];
        }

        int m = cellStart[buckets];
        var outKeys = new int[m * width];
        var outCount = new long[m];
        var outW = new ExactSum[m];
        var outWy = new ExactSum[m];
        var outWy2 = new ExactSum[m];
        var output = new CellTable(columns, m, outKeys, outCount, outW, outWy, outWy2, counts)
        {
            SumWExpOffset = parts.Any(p => p.SumWExpOffset is not null) ? new ExactSum[m] : null,
            SumWYLogY = parts.Any(p => p.SumWYLogY is not null) ? new ExactSum[m] : null,
        };
        clock.Lap("allocate cells");
        Parallel.For(0, buckets, options, b => MergeBucket(entries.AsSpan(bucketStart[b], bucketStart[b + 1] - bucketStart[b]), cellStart[b], output, parts, bits, shift, sumWFromRows));
        clock.Lap("merge buckets");
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] Histogram(CellPart part, int[][] ranks, int[] shift, int lowBits, int bucketBits)
    {
        var histogram = new int[1 << bucketBits];
        for (int c = 0; c < part.Count; c++)
        {
            histogram[Bucket(KeyOf(part, c, ranks, shift), lowBits, bucketBits)]++;
        }

        return histogram;
    }

    // Sorts one bucket on the key bits below the bucket's and returns its number of distinct keys.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SortBucket(Span<Entry> bucket, Entry[] scratch, int bits)
    {
        SortByKey(bucket, scratch, 1, bits);
        int n = 0;
        ulong previous = ulong.MaxValue;
        foreach (ref readonly Entry e in bucket)
        {
            ulong key = e.Key >> 1;
            if (key != previous)
            {
                n++;
                previous = key;
            }
        }

        return n;
    }

    // Adds the runs of equal keys of one sorted bucket into output cells first, first + 1, ...
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeBucket(ReadOnlySpan<Entry> bucket, int first, CellTable output, IReadOnlyList<CellPart> parts, int[] bits, int[] shift, bool sumWFromRows)
    {
        int width = bits.Length;
        int[] outKeys = output.KeyCodes;
        long[] outCount = output.RowCount;
        ExactSum[] outW = output.SumW, outWy = output.SumWy, outWy2 = output.SumWy2;
        int o = first - 1;
        ulong previous = ulong.MaxValue;
        for (int i = 0; i < bucket.Length; i++)
        {
            ref readonly Entry e = ref bucket[i];
            ulong key = e.Key >> 1;
            if (key != previous)
            {
                o++;
                previous = key;
                for (int j = 0; j < width; j++)
                {
                    outKeys[(o * width) + j] = (int)((key >> shift[j]) & ((1UL << bits[j]) - 1));
                }

                if ((e.Key & 1) == 0 && (i + 1 == bucket.Length || bucket[i + 1].Key >> 1 != key))
                {
                    // A cell of one row (most cells of wide sparse data): its sums start at y and y·y.
                    double y = BitConverter.Int64BitsToDouble(e.Payload);
                    outCount[o] = 1;
                    outWy[o] = ExactSum.Of(y);
                    outWy2[o] = ExactSum.OfProduct(y, y);
                    continue;
                }
            }

            if ((e.Key & 1) == 0)
            {
                // One row of weight 1: Σy = y and Σy² = y·y, the product added unrounded.
                double y = BitConverter.Int64BitsToDouble(e.Payload);
                outCount[o]++;
                outWy[o].Add(y);
                outWy2[o].AddProduct(y, y);
                continue;
            }

            CellPart part = parts[(int)(e.Payload >> 32)];
            int c = (int)(uint)e.Payload;
            outCount[o] += part.Stats[c].Rows;
            if (!sumWFromRows)
            {
                outW[o].Add(in part.SumW![c]);
            }

            if (output.SumWExpOffset is { } outWe)
            {
                outWe[o].Add(in part.SumWExpOffset![c]);
            }

            if (output.SumWYLogY is { } outWyl)
            {
                outWyl[o].Add(in part.SumWYLogY![c]);
            }

            ref CellSums sums = ref part.Sums[part.Stats[c].Full];
            outWy[o].Add(in sums.Wy);
            outWy2[o].Add(in sums.Wy2);
        }

        if (sumWFromRows)
        {
            for (int cell = first; cell <= o; cell++)
            {
                outW[cell] = ExactSum.OfCount(outCount[cell]);
            }
        }
    }

    /// <summary>
    /// Sorts <paramref name="items"/> ascending by bits [<paramref name="from"/>, from + <paramref name="bits"/>)
    /// of their keys: LSD radix passes of at most 11 bits, evened out over the bits (stable).
    /// <paramref name="scratch"/> holds at least as many entries.
    /// </summary>
    internal static void SortByKey(Span<Entry> items, Span<Entry> scratch, int from, int bits)
    {
        if (bits <= 0 || items.Length < 2)
        {
            return;
        }

        int passes = (bits + DigitBits - 1) / DigitBits;
        int digit = (bits + passes - 1) / passes;
        Span<int> start = stackalloc int[1 << digit];
        Span<Entry> source = items;
        Span<Entry> target = scratch[..items.Length];
        for (int pass = 0, at = from; pass < passes; pass++, at += digit)
        {
            int size = Math.Min(digit, from + bits - at);
            ulong mask = (1UL << size) - 1;
            start[..(1 << size)].Clear();
            foreach (ref readonly Entry e in source)
            {
                start[(int)((e.Key >> at) & mask)]++;
            }

            // Counts become start offsets: a stable counting sort on this digit.
            for (int d = 0, sum = 0; d < 1 << size; d++)
            {
                (start[d], sum) = (sum, sum + start[d]);
            }

            foreach (ref readonly Entry e in source)
            {
                target[start[(int)((e.Key >> at) & mask)]++] = e;
            }

            Span<Entry> swap = source;
            source = target;
            target = swap;
        }

        if (passes % 2 == 1)
        {
            source.CopyTo(items);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scatter(CellPart part, int p, int[][] ranks, int[] shift, int lowBits, int bucketBits, int[] cursor, Entry[] entries)
    {
        for (int c = 0; c < part.Count; c++)
        {
            ulong key = KeyOf(part, c, ranks, shift);
            long payload = (key & 1) == 0 ? BitConverter.DoubleToInt64Bits(part.Y(c)) : ((long)p << 32) | (uint)c;
            entries[cursor[Bucket(key, lowBits, bucketBits)]++] = new Entry { Key = key, Payload = payload };
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bucket(ulong key, int lowBits, int bucketBits) => bucketBits == 0 ? 0 : (int)(key >> lowBits);

    // The packed canonical key of entry c, doubled, plus 1 when the entry carries sums rather than one y.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong KeyOf(CellPart part, int c, int[][] ranks, int[] shift)
    {
        int width = ranks.Length;
        int[] keys = part.Keys;
        ulong key = 0;
        for (int j = 0; j < width; j++)
        {
            key |= (ulong)(uint)ranks[j][keys[(c * width) + j]] << shift[j];
        }

        return (key << 1) | (part.IsCompact(c) ? 0UL : 1UL);
    }
}
