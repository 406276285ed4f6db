// Compact cells (CellAccumulator): a cell of an unweighted pass keeps its first row's y alone and
// gets exact sums on its second row. The expected sums come from ExactOracle (BigInteger arithmetic
// and a correctly rounded double.Parse), never from ExactSum itself.
using System.Globalization;
using System.Numerics;
using Keel.Compression;
using Keel.Data;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Compression;

public class CompactCellTests
{
    private static readonly RowPassPlan Plan = new("y", false, null, ["a"]);

    private static RowPass Read(string csv)
    {
        using var file = new TempCsv("a,y\n" + csv);
        var pass = new RowPass(Plan);
        using ITabularSource source = CsvSource.Open(file.Path);
        pass.Add(source);
        return pass;
    }

    private static string Row(string a, double y) => $"{a},{y.ToString("R", CultureInfo.InvariantCulture)}\n";

    [Fact]
    public void A_single_row_cell_has_sum_y_and_the_correctly_rounded_y_squared()
    {
        // y·y is not a double for this y: Σy² must be the IEEE-rounded product (one rounding of the exact value).
        double y = 0.1 + (1.0 / 3.0);
        CellTable t = Read(Row("x", y)).Finish();
        Assert.Equal(1, t.CellCount);
        Assert.Equal(1, t.RowCount[0]);
        Assert.Equal(y, t.SumWy[0].ToDouble());
        Assert.Equal(y * y, t.SumWy2[0].ToDouble());
        Assert.Equal(1.0, t.SumW[0].ToDouble());
    }

    [Fact]
    public void A_cell_promoted_on_its_second_row_keeps_the_first_row_exactly()
    {
        // 1e16 + 1 − 1e16 = 1 only if the first row (kept as y alone) is carried into the exact sums.
        double[] ys = [1e16, 1.0, -1e16];
        CellTable t = Read(string.Concat(ys.Select(y => Row("x", y)))).Finish();
        Assert.Equal(3, t.RowCount[0]);
        Assert.Equal(ExactOracle.Round(ExactOracle.Sum(ys)), t.SumWy[0].ToDouble());
        Assert.Equal(1.0, t.SumWy[0].ToDouble());
        Assert.Equal(ExactOracle.Round(ys.Aggregate(BigInteger.Zero, (s, y) => s + ExactOracle.ScaledProduct(y, y))), t.SumWy2[0].ToDouble());
    }

    [Fact]
    public void Compact_and_promoted_cells_of_different_passes_merge_exactly()
    {
        // Cell x: compact in both passes; cell z: compact in one, promoted in the other; cell w: promoted in both.
        RowPass first = Read(Row("x", 0.1) + Row("z", 1e300) + Row("w", 3.0) + Row("w", -2.5));
        RowPass second = Read(Row("x", 0.2) + Row("z", -1e300) + Row("z", 0.7) + Row("w", 1e-300) + Row("w", 5.0));
        first.Absorb(second);
        CellTable t = first.Finish();

        var expected = new Dictionary<string, double[]>
        {
            ["w"] = [3.0, -2.5, 1e-300, 5.0],
            ["x"] = [0.1, 0.2],
            ["z"] = [1e300, -1e300, 0.7],
        };
        Assert.Equal(new[] { "w", "x", "z" }, t.KeyColumns[0].Labels);
        for (int c = 0; c < t.CellCount; c++)
        {
            double[] ys = expected[t.KeyColumns[0].Labels[t.Code(c, 0)]];
            Assert.Equal(ys.Length, t.RowCount[c]);
            Assert.Equal(ExactOracle.Round(ExactOracle.Sum(ys)), t.SumWy[c].ToDouble());
            Assert.Equal(ExactOracle.Round(ys.Aggregate(BigInteger.Zero, (s, y) => s + ExactOracle.ScaledProduct(y, y))), t.SumWy2[c].ToDouble());
        }
    }

    [Fact]
    public void Random_cells_of_one_to_three_rows_split_over_passes_match_the_oracle_and_one_pass()
    {
        var rng = new Random(20261128);
        var rows = new List<(string Key, double Y)>();
        for (int k = 0; k < 3000; k++)
        {
            int repeats = 1 + rng.Next(3);
            for (int r = 0; r < repeats; r++)
            {
                // Wide exponents and signs so that naive sums would lose bits.
                double y = (rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-60, 60));
                rows.Add(($"k{k}", y));
            }
        }

        var shuffled = rows.OrderBy(_ => rng.Next()).ToList();
        RowPass whole = Read(string.Concat(shuffled.Select(r => Row(r.Key, r.Y))));
        CellTable one = whole.Finish();

        RowPass[] parts = [.. Enumerable.Range(0, 3).Select(i => Read(string.Concat(shuffled.Where((_, n) => n % 3 == i).Select(r => Row(r.Key, r.Y)))))];
        parts[0].Absorb(parts[1]);
        parts[0].Absorb(parts[2]);
        CellTable split = parts[0].Finish();

        Dictionary<string, double[]> byKey = rows.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Select(r => r.Y).ToArray());
        Assert.Equal(byKey.Count, one.CellCount);
        Assert.Equal(one.KeyCodes, split.KeyCodes);
        Assert.Equal(one.RowCount, split.RowCount);
        for (int c = 0; c < one.CellCount; c++)
        {
            double[] ys = byKey[one.KeyColumns[0].Labels[one.Code(c, 0)]];
            double sumY = ExactOracle.Round(ExactOracle.Sum(ys));
            double sumY2 = ExactOracle.Round(ys.Aggregate(BigInteger.Zero, (s, y) => s + ExactOracle.ScaledProduct(y, y)));
            Assert.Equal(ys.Length, one.RowCount[c]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(sumY), BitConverter.DoubleToInt64Bits(one.SumWy[c].ToDouble()));
            Assert.Equal(BitConverter.DoubleToInt64Bits(sumY2), BitConverter.DoubleToInt64Bits(one.SumWy2[c].ToDouble()));
            Assert.Equal(BitConverter.DoubleToInt64Bits(sumY), BitConverter.DoubleToInt64Bits(split.SumWy[c].ToDouble()));
            Assert.Equal(BitConverter.DoubleToInt64Bits(sumY2), BitConverter.DoubleToInt64Bits(split.SumWy2[c].ToDouble()));
        }
    }
}
