// FactorKeys: canonical level codes for a factor column read by CsvRowReader.
//
// A value written as a canonical integer that fits 32 bits ("0", "-12", "500000": no sign but '-',
// no leading zero) arrives as that integer; any other value as text beside it (the key Special).
// The levels are numbered as the cell path numbers them (CellCanonicalizer): when every value of
// the column is a finite number, numerically (-0 = 0, "2.50" = "2.5") and labelled by the number's
// shortest round-trip text; else in ordinal text order.
// Invariant: a level's code depends only on the set of values in the column, never on the row
//   order, the ranges or the threads. Integer columns whose values span a range not much larger
//   than the row count are numbered through a direct table (no hashing), in place.
// Cost: integer columns O(n + range), no memory beyond the table; others a dictionary lookup per row.
using System.Globalization;
using System.Runtime.CompilerServices;
using Keel.Compression;

namespace Keel.Rows;

internal static class FactorKeys
{
    /// <summary>The key of a value that is not a 32-bit canonical integer (its text is kept aside).</summary>
    public const int Special = int.MinValue;

    /// <summary>True for "0", "7", "-12" (no '+', no leading zeros, no "-0", at most 15 digits).</summary>
    public static bool IsCanonicalInteger(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        int i = text.Length > 0 && text[0] == (byte)'-' ? 1 : 0;
        int digits = text.Length - i;
        if (digits < 1 || digits > 15 || (text[i] == (byte)'0' && (digits > 1 || i == 1)))
        {
            return false;
        }

        long v = 0;
        for (; i < text.Length; i++)
        {
            uint d = (uint)(text[i] - '0');
            if (d > 9)
            {
                return false;
            }

            v = (v * 10) + d;
        }

        value = text[0] == (byte)'-' ? -v : v;
        return true;
    }

    /// <summary>Turns <paramref name="keys"/> into codes in place; <paramref name="specials"/> holds the rows whose key is <see cref="Special"/>.</summary>
    public static FactorColumn Code(string name, int[] keys, IReadOnlyList<(int Row, string Text)> specials, int threads)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        const int block = 1 << 16;
        int n = keys.Length;
        int blocks = (n + block - 1) / block;
        var mins = new long[blocks];
        var maxs = new long[blocks];
        Parallel.For(0, blocks, options, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b) =>
        {
            long lo = long.MaxValue;
            long hi = long.MinValue;
            int end = Math.Min(n, (b + 1) * block);
            for (int i = b * block; i < end; i++)
            {
                int k = keys[i];
                if (k != Special)
                {
                    lo = Math.Min(lo, k);
                    hi = Math.Max(hi, k);
                }
            }

            mins[b] = lo;
            maxs[b] = hi;
        });
        long min = mins.DefaultIfEmpty(long.MaxValue).Min();
        long max = maxs.DefaultIfEmpty(long.MinValue).Max();
        if (specials.Count == 0 && max >= min && max - min < Math.Max(2L * n, 1L << 22))
        {
            // Direct table: present values, then their ranks.
            int span = (int)(max - min + 1);
            var present = new byte[span];
            Parallel.For(0, blocks, options, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b) =>
            {
                int end = Math.Min(n, (b + 1) * block);
                for (int i = b * block; i < end; i++)
                {
                    // Written once per value: a write on every row would bounce the cache line between threads.
                    ref byte seen = ref present[keys[i] - min];
                    if (seen == 0)
                    {
                        seen = 1;
                    }
                }
            });

            var rank = new int[span];
            var labels = new List<string>();
            for (int v = 0; v < span; v++)
            {
                rank[v] = labels.Count;
                if (present[v] != 0)
                {
                    labels.Add((min + v).ToString(CultureInfo.InvariantCulture));
                }
            }

            Parallel.For(0, blocks, options, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b) =>
            {
                int end = Math.Min(n, (b + 1) * block);
                for (int i = b * block; i < end; i++)
                {
                    keys[i] = rank[keys[i] - min];
                }
            });
            return new FactorColumn(name, isNumeric: true, [.. labels], keys);
        }

        // General case: the distinct values as text, numbered as the cell path numbers them.
        var distinctIntegers = new HashSet<int>();
        foreach (int k in keys)
        {
            if (k != Special)
            {
                distinctIntegers.Add(k);
            }
        }

        var distinctTexts = new HashSet<string>(specials.Select(s => s.Text), StringComparer.Ordinal);
        var all = distinctTexts.ToList();
        all.AddRange(distinctIntegers.Select(v => v.ToString(CultureInfo.InvariantCulture)).Where(s => !distinctTexts.Contains(s)));
        var numbers = new double[all.Count];
        bool numeric = all.Count > 0;
        for (int i = 0; i < all.Count && numeric; i++)
        {
            numeric = double.TryParse(all[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) && double.IsFinite(numbers[i]);
            numbers[i] += 0.0;  // -0.0 and 0.0 are one level
        }

        var codeOfText = new Dictionary<string, int>(all.Count, StringComparer.Ordinal);
        string[] levelLabels;
        if (numeric)
        {
            double[] distinct = numbers.Distinct().Order().ToArray();
            for (int i = 0; i < all.Count; i++)
            {
                codeOfText[all[i]] = Array.BinarySearch(distinct, numbers[i]);
            }

            levelLabels = distinct.Select(KeyColumn.NumberLabel).ToArray();
        }
        else
        {
            levelLabels = [.. all.Order(StringComparer.Ordinal)];
            for (int i = 0; i < levelLabels.Length; i++)
            {
                codeOfText[levelLabels[i]] = i;
            }
        }

        var codeOfInteger = distinctIntegers.ToDictionary(v => v, v => codeOfText[v.ToString(CultureInfo.InvariantCulture)]);
        for (int i = 0; i < n; i++)
        {
            if (keys[i] != Special)
            {
                keys[i] = codeOfInteger[keys[i]];
            }
        }

        foreach ((int row, string text) in specials)
        {
            keys[row] = codeOfText[text];
        }

        return new FactorColumn(name, numeric, levelLabels, keys);
    }
}
