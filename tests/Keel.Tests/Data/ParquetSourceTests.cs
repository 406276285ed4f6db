using Keel.Compression;
using Keel.Data;

namespace Keel.Tests.Data;

public class ParquetSourceTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parquet_gives_the_cells_and_fingerprint_of_the_same_csv(bool exact)
    {
        using var data = new SourceTestData(exact);
        string parquet = data.Parquet();
        // Same multiset of rows, so the exact sums and everything after them have the same bits.
        SourceTestData.AssertSameCells(
            SourceTestData.Cells(new DataInputs([data.Csv]), SourceTestData.Formula, "w"),
            SourceTestData.Cells(new DataInputs([parquet]), SourceTestData.Formula, "w"));
        Assert.Equal(
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([data.Csv]), SourceTestData.LogFormula)),
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([parquet]), SourceTestData.LogFormula)));
    }

    [Fact]
    public void Row_groups_nulls_and_column_types_read_as_the_csv_text_would()
    {
        using var data = new SourceTestData(exact: false, rows: 2500);
        using var source = ParquetSource.Open(data.Parquet());
        string[] lines = File.ReadAllLines(data.Csv);
        Assert.Equal(lines[0].Split(','), source.ColumnNames);
        int row = 0;
        while (source.Read())
        {
            row++;
            string[] expected = lines[row].Split(',');
            Assert.Equal(row, source.Line);
            Assert.Equal(expected[0], source.GetField(0).ToString());
            Assert.Equal(expected[2], source.GetField(2).ToString());
            // Doubles as shortest round-trip text: the same text the CSV holds (written with "R").
            Assert.Equal(expected[4], source.GetField(4).ToString());
        }

        Assert.Equal(2500, row);
    }

    [Fact]
    public void A_folder_of_parquet_files_reads_as_one_dataset()
    {
        using var data = new SourceTestData(exact: true);
        string folder = data.File_("parts");
        Directory.CreateDirectory(folder);
        string csv = SourceTestData.Literal(data.Csv);
        SourceTestData.DuckDb(null, $"COPY (SELECT * FROM read_csv({csv}) WHERE month <= 6) TO {SourceTestData.Literal(Path.Combine(folder, "p1.parquet"))} (FORMAT PARQUET)");
        SourceTestData.DuckDb(null, $"COPY (SELECT * FROM read_csv({csv}) WHERE month > 6) TO {SourceTestData.Literal(Path.Combine(folder, "p2.parquet"))} (FORMAT PARQUET)");
        SourceTestData.AssertSameCells(
            SourceTestData.Cells(new DataInputs([data.Csv]), SourceTestData.Formula),
            SourceTestData.Cells(new DataInputs([folder]), SourceTestData.Formula));
    }

    [Fact]
    public void A_file_that_is_not_parquet_is_bad_input_naming_it()
    {
        using var data = new SourceTestData(exact: true, rows: 10);
        string path = data.File_("broken.parquet");
        File.WriteAllText(path, "a,b\n1,2\n");
        var e = Assert.Throws<KeelInputException>(() => SourceTestData.Cells(new DataInputs([path]), "y ~ a"));
        Assert.Contains("broken.parquet", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_column_names_the_parquet_file()
    {
        using var data = new SourceTestData(exact: true, rows: 10);
        var e = Assert.Throws<KeelInputException>(() => SourceTestData.Cells(new DataInputs([data.Parquet()]), "y ~ nosuch"));
        Assert.Contains("no column named 'nosuch'", e.Message, StringComparison.Ordinal);
    }
}
