// FactorKeys: canonical level codes for a factor column read in ranges.
//
// A value written as a canonical integer ("0", "-12", "500000": no sign but '-', no leading zero,
// at most 15 digits, so it is exact as a double) is kept as that integer; any other value as text
// interned per range. The levels are then numbered as the cell path numbers them
// (CellCanonicalizer): when every value of the column is a finite number, numerically (-0 = 0,
// "2.50" = "2.5") and labelled by the number's shortest round-trip text; else in ordinal text order.
// Invariant: a level's code depends only on the set of values in the column, never on the row
//   order, the ranges or the threads. Integer columns whose values span a range not much larger
//   than the row count are numbered through a direct table (no hashing).
// Cost: integer columns O(n + range); others one dictionary lookup per distinct value per range.
using System.Globalization;
using Keel.Compression;

namespace Keel.Rows;

internal static class FactorKeys
{
    private const long TextBase = 1L << 62;

    /// <summary>The key of a range's text value with local id <paramref name="id"/> (above every integer key).</summary>
    public static long TextKey(int id) => TextBase + id;

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

    /// <summary>Codes for the rows of every range (range c's rows start at offsets[c]).</summary>
    public static FactorColumn Code(string name, IReadOnlyList<(long[] Keys, int Rows, List<string>? Texts)> ranges, int[] offsets, int n, int threads)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        var codes = GC.AllocateUninitializedArray<int>(n);
        bool anyText = ranges.Any(r => r.Texts is { Count: > 0 });
        (long min, long max) = IntegerSpan(ranges, options);
        if (!anyText && max >= min && max - min < Math.Max(2L * n, 1L << 22))
        {
            // Direct table: present values, then their ranks.
            int span = (int)(max - min + 1);
            var present = new byte[span];
            Parallel.For(0, ranges.Count, options, c =>
            {
                (long[] keys, int rows, _) = ranges[c];
                for (int i = 0; i < rows; i++)
                {
                    present[keys[i] - min] = 1;
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

            Parallel.For(0, ranges.Count, options, c =>
            {
                (long[] keys, int rows, _) = ranges[c];
                Span<int> into = codes.AsSpan(offsets[c], rows);
                for (int i = 0; i < rows; i++)
                {
                    into[i] = rank[keys[i] - min];
                }
            });
            return new FactorColumn(name, isNumeric: true, [.. labels], codes);
        }

        // General case: the distinct values as text, numbered as the cell path numbers them.
        var distinctIntegers = new HashSet<long>();
        var distinctTexts = new HashSet<string>(StringComparer.Ordinal);
        foreach ((long[] keys, int rows, List<string>? texts) in ranges)
        {
            for (int i = 0; i < rows; i++)
            {
                if (keys[i] < TextBase)
                {
                    distinctIntegers.Add(keys[i]);
                }
            }

            distinctTexts.UnionWith(texts ?? []);
        }

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
        Parallel.For(0, ranges.Count, options, c =>
        {
            (long[] keys, int rows, List<string>? texts) = ranges[c];
            int[] local = texts is null ? [] : texts.Select(t => codeOfText[t]).ToArray();
            Span<int> into = codes.AsSpan(offsets[c], rows);
            for (int i = 0; i < rows; i++)
            {
                long key = keys[i];
                into[i] = key >= TextBase ? local[key - TextBase] : codeOfInteger[key];
            }
        });
        return new FactorColumn(name, numeric, levelLabels, codes);
    }

    private static (long Min, long Max) IntegerSpan(IReadOnlyList<(long[] Keys, int Rows, List<string>? Texts)> ranges, ParallelOptions options)
    {
        var mins = new long[ranges.Count];
        var maxs = new long[ranges.Count];
        Parallel.For(0, ranges.Count, options, c =>
        {
            long lo = long.MaxValue;
            long hi = long.MinValue;
            (long[] keys, int rows, _) = ranges[c];
            for (int i = 0; i < rows; i++)
            {
                long k = keys[i];
                if (k < TextBase)
                {
                    lo = Math.Min(lo, k);
                    hi = Math.Max(hi, k);
                }
            }

            mins[c] = lo;
            maxs[c] = hi;
        });
        return (mins.DefaultIfEmpty(long.MaxValue).Min(), maxs.DefaultIfEmpty(long.MinValue).Max());
    }
}
