using Keel.Compression;
using Keel.Data;
using Keel.Tests.Data;

namespace Keel.Tests.Compression;

public class CellsFileTests
{
    [Theory]
    [InlineData("cells.csv")]
    [InlineData("cells.parquet")]
    public void Written_cells_read_back_to_the_same_table(string name)
    {
        using var data = new SourceTestData(exact: false);
        CellTable original = SourceTestData.Cells(new DataInputs([data.Csv]), SourceTestData.LogFormula, "w");
        string path = data.File_(name);
        CellsFileWriter.Write(original, path);
        CellTable back = SourceTestData.Cells(new DataInputs([path]) { Cells = true }, SourceTestData.LogFormula);
        SourceTestData.AssertSameCells(original, back);
        Assert.Equal(original.Counts.RowsUsed, back.Counts.RowsUsed);
    }

    [Fact]
    public void Two_halves_compressed_apart_and_merged_give_the_bits_of_one_pass()
    {
        using var data = new SourceTestData(exact: false);
        string[] lines = File.ReadAllLines(data.Csv);
        string first = data.File_("first.csv"), second = data.File_("second.csv");
        File.WriteAllLines(first, lines.Take(1200));
        File.WriteAllLines(second, lines.Take(1).Concat(lines.Skip(1200)));
        string formula = SourceTestData.LogFormula;
        CellsFileWriter.Write(SourceTestData.Cells(new DataInputs([first]), formula, "w"), data.File_("first.parquet"));
        CellsFileWriter.Write(SourceTestData.Cells(new DataInputs([second]), formula, "w"), data.File_("second.csv"));

        var merged = new DataInputs([data.File_("first.parquet"), data.File_("second.csv")]) { Cells = true };
        SourceTestData.AssertSameCells(SourceTestData.Cells(new DataInputs([data.Csv]), formula, "w"), SourceTestData.Cells(merged, formula));
        Assert.Equal(
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([data.Csv]), formula, "w")),
            SourceTestData.FingerprintOf(SourceTestData.Fit(merged, formula)));
    }

    [Fact]
    public void Without_the_exact_columns_merged_halves_agree_to_rounding()
    {
        using var data = new SourceTestData(exact: false);
        string[] lines = File.ReadAllLines(data.Csv);
        string first = data.File_("first.csv"), second = data.File_("second.csv");
        File.WriteAllLines(first, lines.Take(1500));
        File.WriteAllLines(second, lines.Take(1).Concat(lines.Skip(1500)));
        string formula = SourceTestData.Formula;
        foreach (string half in new[] { first, second })
        {
            string cells = half + ".cells.csv";
            CellsFileWriter.Write(SourceTestData.Cells(new DataInputs([half]), formula), cells);
            // Keep the contract's four statistics only, as a file from another engine would have.
            File.WriteAllLines(cells, File.ReadAllLines(cells).Select(l => string.Join(',', l.Split(',').Take(9))));
        }

        CellTable whole = SourceTestData.Cells(new DataInputs([data.Csv]), formula);
        CellTable merged = SourceTestData.Cells(new DataInputs([first + ".cells.csv", second + ".cells.csv"]) { Cells = true }, formula);
        // Each half's sum is rounded once, then the two are added exactly and rounded: at most one
        // ulp from each rounding, so 2 ulps (2·2^-52 relative) of the larger sum.
        for (int c = 0; c < whole.CellCount; c++)
        {
            TestSupport.Numeric.AssertClose(whole.SumWy[c].ToDouble(), merged.SumWy[c].ToDouble(), 2 * TestSupport.Numeric.Eps);
            TestSupport.Numeric.AssertClose(whole.SumWy2[c].ToDouble(), merged.SumWy2[c].ToDouble(), 2 * TestSupport.Numeric.Eps);
        }

        SourceTestData.AssertCloseFits(SourceTestData.Fit(new DataInputs([data.Csv]), formula), SourceTestData.Fit(new DataInputs([first + ".cells.csv", second + ".cells.csv"]) { Cells = true }, formula), 1e-12);
    }

    [Fact]
    public void Exact_text_round_trips_every_sum()
    {
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            var sum = default(ExactSum);
            for (int k = 0; k < 20; k++)
            {
                double a = (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-1100, 1000));
                sum.AddProduct(a, a * random.NextDouble());
                sum.Add(a);
            }

            string text = ExactSumText.Format(sum);
            Assert.True(ExactSumText.TryParse(text, out ExactSum back));
            Assert.Equal(text, ExactSumText.Format(back));
            ExactSum difference = sum.Clone();
            back.Negate();
            difference.Add(in back);
            Assert.True(difference.IsZero);
        }

        Assert.True(ExactSumText.TryParse("3p-1", out ExactSum half));
        Assert.Equal(1.5, half.ToDouble());
        Assert.False(ExactSumText.TryParse("1.5", out _));
    }

    [Fact]
    public void Keys_spelled_differently_merge_and_missing_keys_drop_their_rows()
    {
        using var data = new SourceTestData(exact: true, rows: 1);
        string path = data.File_("cells.csv");
        File.WriteAllText(path, "a,keel_n,keel_sum_w,keel_sum_wy,keel_sum_wy2\n1.0,2,2,3,5\n1,1,1,0.5,0.25\n-0,1,1,1,1\n0,1,1,2,4\nNA,4,4,4,4\n");
        CellTable cells = SourceTestData.Cells(new DataInputs([path]) { Cells = true }, "y ~ C(a)");
        Assert.Equal(2, cells.CellCount);
        Assert.Equal(["0", "1"], cells.KeyColumns[0].Labels);
        Assert.Equal([2L, 3L], cells.RowCount);
        Assert.Equal(3.5, cells.SumWy[1].ToDouble());
        Assert.Equal(4, cells.Counts.DroppedMissing);
        Assert.Equal(9, cells.Counts.RowsRead);
    }

    [Theory]
    [InlineData("a,keel_n,keel_sum_w,keel_sum_wy\nx,1,1,1\n", "no column named 'keel_sum_wy2'", null, null)]
    [InlineData("a,keel_n,keel_sum_w,keel_sum_wy,keel_sum_wy2\nx,1.5,1,1,1\n", "line 2, column 'keel_n'", 2L, "keel_n")]
    [InlineData("a,keel_n,keel_sum_w,keel_sum_wy,keel_sum_wy2\nx,1,0,1,1\n", "column 'keel_sum_w': the sum of weights must be positive", 2L, "keel_sum_w")]
    [InlineData("a,keel_n,keel_sum_w,keel_sum_wy,keel_sum_wy2\nx,1,1,inf,1\n", "column 'keel_sum_wy'", 2L, "keel_sum_wy")]
    [InlineData("a,keel_n,keel_sum_w,keel_sum_wy,keel_sum_wy2,keel_sum_wy_exact\nx,1,1,1,1,3p0\n", "does not round to keel_sum_wy", 2L, "keel_sum_wy_exact")]
    public void Bad_cells_files_are_one_line_input_errors_with_file_line_and_column(string content, string expected, long? line, string? column)
    {
        using var data = new SourceTestData(exact: true, rows: 1);
        string path = data.File_("bad.csv");
        File.WriteAllText(path, content);
        var e = Assert.Throws<KeelInputException>(() => SourceTestData.Cells(new DataInputs([path]) { Cells = true }, "y ~ a"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("bad.csv", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);

        // The place as properties too (issue 17), the same as the message says.
        Assert.EndsWith("bad.csv", e.File, StringComparison.Ordinal);
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
    }

    [Fact]
    public void Writing_is_deterministic_and_quotes_text_as_rfc_4180()
    {
        using var data = new SourceTestData(exact: true, rows: 1);
        string input = data.File_("quoted.csv");
        File.WriteAllText(input, "a,y\n\"x, \"\"quoted\"\"\",1\nplain,2\n");
        CellTable cells = SourceTestData.Cells(new DataInputs([input]), "y ~ a");
        CellsFileWriter.Write(cells, data.File_("c1.csv"));
        CellsFileWriter.Write(cells, data.File_("c2.csv"));
        Assert.Equal(File.ReadAllBytes(data.File_("c1.csv")), File.ReadAllBytes(data.File_("c2.csv")));
        string[] lines = File.ReadAllLines(data.File_("c1.csv"));
        Assert.Equal("a,keel_n,keel_sum_w,keel_sum_wy,keel_sum_wy2,keel_sum_w_exact,keel_sum_wy_exact,keel_sum_wy2_exact", lines[0]);
        // Ordinal order: 'p' < 'x'.
        Assert.StartsWith("plain,1,1,2,4,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("\"x, \"\"quoted\"\"\",1,1,1,1,", lines[2], StringComparison.Ordinal);
        SourceTestData.AssertSameCells(cells, SourceTestData.Cells(new DataInputs([data.File_("c1.csv")]) { Cells = true }, "y ~ a"));
    }
}
