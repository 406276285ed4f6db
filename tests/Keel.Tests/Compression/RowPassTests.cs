using Keel.Compression;
using Keel.Data;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Compression;

public class RowPassTests
{
    private static CellTable Pass(string csv, RowPassPlan plan)
    {
        using var file = new TempCsv(csv);
        var pass = new RowPass(plan);
        using (ITabularSource source = CsvSource.Open(file.Path))
        {
            pass.Add(source);
        }

        return pass.Finish();
    }

    private static readonly RowPassPlan AbPlan = new("y", false, null, ["a", "b"]);

    [Fact]
    public void Rows_with_equal_regressors_collapse_into_one_cell_with_count_and_sums()
    {
        CellTable t = Pass("a,b,y\nx,1,2\nx,1,4\nz,1,8\nx,2,1\n", AbPlan);
        Assert.Equal(3, t.CellCount);
        // Canonical order: a = x before z; b numeric 1 before 2.
        Assert.Equal(new[] { "x", "z" }, t.KeyColumns[0].Labels);
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 0 }, t.KeyCodes);
        Assert.Equal(new long[] { 2, 1, 1 }, t.RowCount);
        Assert.Equal(6.0, t.SumWy[0].ToDouble());
        Assert.Equal(20.0, t.SumWy2[0].ToDouble());
        Assert.Equal(2.0, t.SumW[0].ToDouble());
    }

    [Fact]
    public void Row_order_changes_no_bit_of_the_cells()
    {
        var rng = new Random(7);
        var rows = Enumerable.Range(0, 2000)
            .Select(_ => $"L{rng.Next(30)},{rng.Next(5)},{(rng.NextDouble() * 1e3) - 500:R}")
            .ToList();
        CellTable first = Pass("a,b,y\n" + string.Join('\n', rows) + "\n", AbPlan);
        var shuffled = rows.OrderBy(_ => rng.Next()).ToList();
        CellTable second = Pass("a,b,y\n" + string.Join('\n', shuffled) + "\n", AbPlan);

        Assert.Equal(first.KeyCodes, second.KeyCodes);
        Assert.Equal(first.RowCount, second.RowCount);
        for (int c = 0; c < first.CellCount; c++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.SumWy[c].ToDouble()), BitConverter.DoubleToInt64Bits(second.SumWy[c].ToDouble()));
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.SumWy2[c].ToDouble()), BitConverter.DoubleToInt64Bits(second.SumWy2[c].ToDouble()));
        }
    }

    [Fact]
    public void Numeric_spellings_of_one_value_are_one_level_and_sort_by_value()
    {
        CellTable t = Pass("a,b,y\nx,10,1\nx,2,1\nx,2.0,1\nx,-0,1\nx,0,1\n", AbPlan);
        Assert.True(t.KeyColumns[1].IsNumeric);
        Assert.Equal(new[] { "0", "2", "10" }, t.KeyColumns[1].Labels);
        Assert.Equal(new long[] { 2, 2, 1 }, t.RowCount);
    }

    [Fact]
    public void Text_levels_sort_in_ordinal_order()
    {
        CellTable t = Pass("a,b,y\nb,1,1\nB,1,1\na,1,1\n_,1,1\n", AbPlan);
        Assert.Equal(new[] { "B", "_", "a", "b" }, t.KeyColumns[0].Labels);
    }

    [Fact]
    public void Missing_values_drop_the_row_and_are_never_a_level()
    {
        CellTable t = Pass("a,b,y\nx,1,1\nNA,1,1\nq,1,\nz,,3\n", AbPlan);
        Assert.Equal(1, t.CellCount);
        Assert.Equal(3, t.Counts.DroppedMissing);
        Assert.Equal(new[] { "x" }, t.KeyColumns[0].Labels);
    }

    [Fact]
    public void Weight_two_equals_a_duplicated_row()
    {
        var plan = AbPlan with { WeightColumn = "w" };
        CellTable weighted = Pass("a,b,y,w\nx,1,0.1,2\nx,1,0.7,1\n", plan);
        CellTable duplicated = Pass("a,b,y,w\nx,1,0.1,1\nx,1,0.1,1\nx,1,0.7,1\n", plan);
        Assert.Equal(duplicated.SumW[0].ToDouble(), weighted.SumW[0].ToDouble());
        Assert.Equal(duplicated.SumWy[0].ToDouble(), weighted.SumWy[0].ToDouble());
        Assert.Equal(duplicated.SumWy2[0].ToDouble(), weighted.SumWy2[0].ToDouble());
    }

    [Fact]
    public void Quoted_fields_CRLF_and_BOM_are_read()
    {
        CellTable t = Pass("\uFEFFa,b,y\r\n\"x, with comma\",1,2\r\n\"multi\nline\",1,3\r\n", AbPlan);
        Assert.Equal(new[] { "multi\nline", "x, with comma" }, t.KeyColumns[0].Labels);
    }

    [Fact]
    public void Gzip_compressed_csv_gives_the_same_cells_as_plain_csv()
    {
        const string csv = "a,b,y\nx,1,2\nx,1,4\nz,1,8\n";
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(System.Text.Encoding.UTF8.GetBytes(csv));
        }

        try
        {
            var pass = new RowPass(AbPlan);
            using (ITabularSource source = CsvSource.Open(path))
            {
                pass.Add(source);
            }

            CellTable zipped = pass.Finish();
            CellTable plain = Pass(csv, AbPlan);
            Assert.Equal(plain.KeyCodes, zipped.KeyCodes);
            Assert.Equal(plain.SumWy.Select(s => s.ToDouble()), zipped.SumWy.Select(s => s.ToDouble()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("a,b,y\nx,1,abc\n", "line 2, column 'y'")]
    [InlineData("a,b,y\nx,1\n", "line 2: expected 3 fields")]
    [InlineData("a,a,y\nx,1,2\n", "appears twice")]
    [InlineData("a,c,y\nx,1,2\n", "no column named 'b'")]
    [InlineData("", "empty")]
    public void Bad_input_names_the_line_and_column(string csv, string expected)
    {
        var e = Assert.Throws<KeelInputException>(() => Pass(csv, AbPlan));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_of_a_non_positive_target_is_an_error_or_dropped_on_request()
    {
        var plan = AbPlan with { LogTarget = true };
        Assert.Throws<KeelInputException>(() => Pass("a,b,y\nx,1,0\n", plan));
        CellTable t = Pass("a,b,y\nx,1,0\nx,1,1\n", plan with { DropInvalid = true });
        Assert.Equal(1, t.Counts.DroppedInvalid);
        Assert.Equal(0.0, t.SumWy[0].ToDouble());
    }
}
