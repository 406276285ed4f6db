using System.Globalization;

namespace Keel.Compression;

/// <summary>
/// Turns the provisional, first-seen numbering of the row pass into the canonical one: values of
/// each key column sorted (numerically when all are numbers, else ordinal string order), cells
/// sorted by their renumbered keys, and cells whose keys became equal (the spellings "1" and
/// "1.0", or "-0" and "0") merged by exact addition.
/// Invariant: the output depends only on the multiset of (key, statistics) rows, not on their order.
/// Cost: O(V log V) per column for V distinct values, O(C log C) for C cells.
/// </summary>
internal static class CellCanonicalizer
{
    public static CellTable Canonicalize(
        IReadOnlyList<string> names,
        IReadOnlyList<ValueInterner> interners,
        ReadOnlySpan<int> provisionalKeys,
        IReadOnlyList<long> rowCount,
        IReadOnlyList<ExactSum> sumW,
        IReadOnlyList<ExactSum> sumWy,
        IReadOnlyList<ExactSum> sumWy2,
        RowPassCounts counts)
    {
        int width = names.Count;
        var columns = new KeyColumn[width];
        var rankOfId = new int[width][];
        int cellCount = rowCount.Count;
        for (int j = 0; j < width; j++)
        {
            // A value interned on a row that was then dropped (a missing target, say) is no level.
            var used = new bool[interners[j].Values.Count];
            for (int c = 0; c < cellCount; c++)
            {
                used[provisionalKeys[(c * width) + j]] = true;
            }

            (columns[j], rankOfId[j]) = CanonicalColumn(names[j], interners[j], used);
        }

        int[] keys = new int[cellCount * width];
        for (int c = 0; c < cellCount; c++)
        {
            for (int j = 0; j < width; j++)
            {
                keys[(c * width) + j] = rankOfId[j][provisionalKeys[(c * width) + j]];
            }
        }

        int[] order = new int[cellCount];
        for (int c = 0; c < cellCount; c++)
        {
            order[c] = c;
        }

        Array.Sort(order, (a, b) => keys.AsSpan(a * width, width).SequenceCompareTo(keys.AsSpan(b * width, width)));

        var outKeys = new List<int>(keys.Length);
        var outCount = new List<long>(cellCount);
        var outW = new List<ExactSum>(cellCount);
        var outWy = new List<ExactSum>(cellCount);
        var outWy2 = new List<ExactSum>(cellCount);
        int previous = -1;
        foreach (int c in order)
        {
            bool sameAsPrevious = previous >= 0 && keys.AsSpan(previous * width, width).SequenceEqual(keys.AsSpan(c * width, width));
            if (sameAsPrevious)
            {
                int last = outCount.Count - 1;
                outCount[last] += rowCount[c];
                outW[last] = Merge(outW[last], sumW[c]);
                outWy[last] = Merge(outWy[last], sumWy[c]);
                outWy2[last] = Merge(outWy2[last], sumWy2[c]);
                continue;
            }

            for (int j = 0; j < width; j++)
            {
                outKeys.Add(keys[(c * width) + j]);
            }

            outCount.Add(rowCount[c]);
            outW.Add(sumW[c]);
            outWy.Add(sumWy[c]);
            outWy2.Add(sumWy2[c]);
            previous = c;
        }

        return new CellTable(columns, outCount.Count, [.. outKeys], [.. outCount], [.. outW], [.. outWy], [.. outWy2], counts);
    }

    private static ExactSum Merge(ExactSum a, in ExactSum b)
    {
        a.Add(in b);
        return a;
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
