using System.Runtime.CompilerServices;

namespace Keel.Rows;

/// <summary>
/// The rows of a fit that does not compress, kept as columns: the target, one double per covariate,
/// one canonical code per factor (levels in Keel's canonical order: ordinal text, or numeric for a
/// numeric column). Memory is the bytes of these columns: 8·(1 + k)·n + 4·q·n.
/// </summary>
internal sealed class RowColumns
{
    public RowColumns(double[] target, double[][] covariates, FactorColumn[] factors, RowCounts counts)
    {
        Target = target;
        Covariates = covariates;
        Factors = factors;
        Counts = counts;
    }

    /// <summary>Rows kept.</summary>
    public int Count => Target.Length;

    /// <summary>The target after any transform of the formula (log), by row.</summary>
    public double[] Target { get; }

    /// <summary>Each covariate's values by row, in the plan's covariate order.</summary>
    public double[][] Covariates { get; }

    /// <summary>Each factor column (absorbed factors, then cluster-only columns), in the plan's order.</summary>
    public FactorColumn[] Factors { get; }

    /// <summary>Rows read and dropped.</summary>
    public RowCounts Counts { get; }

    /// <summary>Moves row i of every column to destination[i] (a permutation), except factor <paramref name="skipFactor"/>'s codes.</summary>
    public void Scatter(int[] destination, int skipFactor, int threads)
    {
        // Sequential reads and scattered writes (cheaper than scattered reads), through one reused
        // scratch buffer per type: fresh memory costs a page fault and the kernel's zeroing per page.
        var doubles = GC.AllocateUninitializedArray<double>(destination.Length);
        foreach (double[] column in Covariates.Prepend(Target))
        {
            Scatter(column, destination, doubles, threads);
            doubles.AsSpan().CopyTo(column);
        }

        int[]? ints = null;
        for (int f = 0; f < Factors.Length; f++)
        {
            if (f != skipFactor)
            {
                ints ??= GC.AllocateUninitializedArray<int>(destination.Length);
                Scatter(Factors[f].Codes, destination, ints, threads);
                ints.AsSpan().CopyTo(Factors[f].Codes);
            }
        }
    }

    private static void Scatter<T>(T[] values, int[] destination, T[] into, int threads)
    {
        // Each target index is written once (a permutation): blocks in parallel change no value.
        const int block = 1 << 16;
        int blocks = (values.Length + block - 1) / block;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b) =>
        {
            int end = Math.Min(values.Length, (b + 1) * block);
            for (int i = b * block; i < end; i++)
            {
                into[destination[i]] = values[i];
            }
        });
    }
}

/// <summary>One categorical column over the rows: a code per row and the level labels by code.</summary>
internal sealed class FactorColumn
{
    public FactorColumn(string name, bool isNumeric, string[] labels, int[] codes)
    {
        Name = name;
        IsNumeric = isNumeric;
        Labels = labels;
        Codes = codes;
    }

    public string Name { get; }

    /// <summary>True when every value is a number (levels then sort numerically).</summary>
    public bool IsNumeric { get; }

    /// <summary>Level labels by code, in canonical order.</summary>
    public string[] Labels { get; }

    public int LevelCount => Labels.Length;

    /// <summary>The level code of each row.</summary>
    public int[] Codes { get; set; }

    /// <summary>Rows per level.</summary>
    public int[] CountByLevel()
    {
        var counts = new int[LevelCount];
        foreach (int c in Codes)
        {
            counts[c]++;
        }

        return counts;
    }
}

/// <summary>Rows read, and rows left out with the reason.</summary>
/// <param name="ZeroWeightRows">Rows whose --weights value is 0: left out of the fit as on the cells (ZERO_WEIGHT_ROWS), not counted as dropped.</param>
internal sealed record RowCounts(long RowsRead, long DroppedMissing, long DroppedInvalid, long ZeroWeightRows = 0)
{
    public long Dropped => DroppedMissing + DroppedInvalid;
}

/// <summary>Rows left out of a fit (a likelihood fit's separated rows), with each factor's levels renumbered.</summary>
internal static class RowSubset
{
    /// <summary>
    /// The rows not dropped, in the same order, each factor keeping only the levels that still have
    /// rows (codes renumbered in the same canonical order); <paramref name="originalLevel"/> maps each
    /// factor's new code to its code in <paramref name="rows"/>.
    /// </summary>
    public static RowColumns Without(RowColumns rows, bool[] drop, out int[][] originalLevel)
    {
        int keptRows = drop.Count(d => !d);
        int[] keep = new int[keptRows];
        for (int i = 0, at = 0; i < drop.Length; i++)
        {
            if (!drop[i])
            {
                keep[at++] = i;
            }
        }

        double[] Take(double[] column) => keep.Select(i => column[i]).ToArray();
        originalLevel = new int[rows.Factors.Length][];
        var factors = new FactorColumn[rows.Factors.Length];
        for (int f = 0; f < factors.Length; f++)
        {
            FactorColumn factor = rows.Factors[f];
            var used = new bool[factor.LevelCount];
            foreach (int i in keep)
            {
                used[factor.Codes[i]] = true;
            }

            var newCode = new int[factor.LevelCount];
            var original = new List<int>();
            for (int l = 0; l < factor.LevelCount; l++)
            {
                newCode[l] = used[l] ? original.Count : -1;
                if (used[l])
                {
                    original.Add(l);
                }
            }

            originalLevel[f] = [.. original];
            factors[f] = new FactorColumn(factor.Name, factor.IsNumeric, original.Select(l => factor.Labels[l]).ToArray(), keep.Select(i => newCode[factor.Codes[i]]).ToArray());
        }

        return new RowColumns(Take(rows.Target), rows.Covariates.Select(Take).ToArray(), factors, rows.Counts);
    }
}
