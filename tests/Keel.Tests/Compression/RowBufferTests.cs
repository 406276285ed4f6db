// Buffered rows (RowBuffer) aggregated by the partitioned sort (PartitionedSortMerge) against the
// hash table (CellAccumulator) and an exact oracle: the finished table must be the same to the bit
// whichever way the rows went, whatever the buffer bound, the split into passes and the threads.
// Expected sums come from ExactOracle (BigInteger arithmetic), never from ExactSum itself.
using System.Globalization;
using System.Numerics;
using Keel.Compression;
using Keel.Data;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Compression;

public class RowBufferTests
{
    private static readonly RowPassPlan Plan = new("y", false, null, ["a", "b"]);

    // 60,000 rows over at most 24,000 cells: most cells one or two rows (the shape that buffers),
    // some with many; y spread over 120 binades and both signs so that any rounded sum would show.
    private static List<(int A, int B, double Y)> Rows(int seed)
    {
        var rng = new Random(seed);
        var rows = new List<(int, int, double)>();
        for (int i = 0; i < 60000; i++)
        {
            int a = rng.Next(10) == 0 ? rng.Next(3) : rng.Next(240);
            int b = rng.Next(100);
            rows.Add((a, b, (rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-60, 60))));
        }

        return rows;
    }

    private static RowPass Read(IEnumerable<(int A, int B, double Y)> rows, long bufferLimit, int bufferAfterCells)
    {
        using var file = new TempCsv("a,b,y\n" + string.Concat(rows.Select(r => $"{r.A},{r.B},{r.Y.ToString("R", CultureInfo.InvariantCulture)}\n")));
        var pass = new RowPass(Plan, bufferLimit) { BufferAfterCells = bufferAfterCells };
        using ITabularSource source = CsvSource.Open(file.Path);
        pass.Add(source);
        return pass;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Buffered_rows_give_the_hash_tables_cells_and_the_oracles_sums(int threads)
    {
        List<(int A, int B, double Y)> rows = Rows(7);
        CellTable hashed = Read(rows, bufferLimit: 0, bufferAfterCells: 1000).Finish(threads);
        // Switches to buffering after ~1,000 cells and never reaches the bound.
        CellTable buffered = Read(rows, bufferLimit: 1 << 20, bufferAfterCells: 1000).Finish(threads);
        // Reaches the bound of 20,000 buffered rows and folds them into the table.
        CellTable folded = Read(rows, bufferLimit: 20000, bufferAfterCells: 1000).Finish(threads);
        CellTables.AssertSame(hashed, buffered);
        CellTables.AssertSame(hashed, folded);

        var byKey = rows.GroupBy(r => (r.A, r.B)).ToDictionary(g => g.Key, g => g.Select(r => r.Y).ToArray());
        Assert.Equal(byKey.Count, buffered.CellCount);
        for (int c = 0; c < buffered.CellCount; c++)
        {
            var key = (int.Parse(buffered.KeyColumns[0].Labels[buffered.Code(c, 0)], CultureInfo.InvariantCulture), int.Parse(buffered.KeyColumns[1].Labels[buffered.Code(c, 1)], CultureInfo.InvariantCulture));
            double[] ys = byKey[key];
            Assert.Equal(ys.Length, buffered.RowCount[c]);
            Assert.Equal(ExactOracle.Round(ExactOracle.Sum(ys)), buffered.SumWy[c].ToDouble());
            Assert.Equal(ExactOracle.Round(ys.Aggregate(BigInteger.Zero, (s, y) => s + ExactOracle.ScaledProduct(y, y))), buffered.SumWy2[c].ToDouble());
            Assert.Equal((double)ys.Length, buffered.SumW[c].ToDouble());
        }

        for (int c = 1; c < buffered.CellCount; c++)
        {
            Assert.True(buffered.KeyCodes.AsSpan((c - 1) * 2, 2).SequenceCompareTo(buffered.KeyCodes.AsSpan(c * 2, 2)) < 0, "cells ascend strictly by key");
        }
    }

    [Fact]
    public void Passes_that_buffer_differently_merge_to_the_one_pass_table()
    {
        List<(int A, int B, double Y)> rows = Rows(11);
        CellTable one = Read(rows, bufferLimit: 0, bufferAfterCells: 1000).Finish();
        // Three passes over a shuffled split: one hashes only, one buffers, one folds its buffer.
        var rng = new Random(3);
        var shuffled = rows.OrderBy(_ => rng.Next()).ToList();
        RowPass first = Read(shuffled.Where((_, i) => i % 3 == 0), bufferLimit: 0, bufferAfterCells: 1000);
        RowPass second = Read(shuffled.Where((_, i) => i % 3 == 1), bufferLimit: 1 << 20, bufferAfterCells: 500);
        RowPass third = Read(shuffled.Where((_, i) => i % 3 == 2), bufferLimit: 5000, bufferAfterCells: 500);
        second.Absorb(third);
        first.Absorb(second);
        CellTables.AssertSame(one, first.Finish(threads: 2));
    }

    [Fact]
    public void Buffered_rows_with_keys_wider_than_63_bits_take_the_comparison_merge_with_the_same_cells()
    {
        // 17 columns of 16 levels need 68 bits: the comparison-sort path must read buffered rows
        // (one y each, keys repeating) as the hash table's cells. 40,000 rows, 5,000 of them repeats.
        var rng = new Random(17);
        string[] keys = Enumerable.Range(0, 17).Select(j => $"k{j}").ToArray();
        var plan = new RowPassPlan("y", false, null, keys);
        var rows = Enumerable.Range(0, 35000)
            .Select(_ => string.Join(',', keys.Select(_ => rng.Next(16).ToString(CultureInfo.InvariantCulture))) + $",{((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-40, 40))).ToString("R", CultureInfo.InvariantCulture)}")
            .ToList();
        rows.AddRange(rows.Take(5000));
        using var file = new TempCsv(string.Join(',', keys) + ",y\n" + string.Join('\n', rows) + "\n");
        CellTable Read(long bufferLimit)
        {
            var pass = new RowPass(plan, bufferLimit) { BufferAfterCells = 1000 };
            using ITabularSource source = CsvSource.Open(file.Path);
            pass.Add(source);
            return pass.Finish(threads: 2);
        }

        CellTable hashed = Read(0);
        CellTables.AssertSame(hashed, Read(1 << 20));
        CellTables.AssertSame(hashed, Read(12000));
        Assert.Equal(5000, hashed.RowCount.Count(n => n > 1));
    }
}
