using Keel.Tests.Data;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Cli;

public class CompressCommandTests
{
    [Fact]
    public void Compress_then_fit_cells_gives_the_fingerprint_of_the_rows()
    {
        using var data = new SourceTestData(exact: false);
        string cells = data.File_("cells.parquet");
        var compress = KeelProcess.Run(["compress", data.Csv, "--formula", SourceTestData.LogFormula, "--weights", "w", "--out", cells, "--quiet"]);
        Assert.Equal(0, compress.ExitCode);
        Assert.Equal(string.Empty, compress.Stdout);
        var rows = KeelProcess.Run(["fit", data.Csv, "--formula", SourceTestData.LogFormula, "--weights", "w", "--solver", "lsmr", "--quiet"]);
        var fromCells = KeelProcess.Run(["fit", cells, "--cells", "--formula", SourceTestData.LogFormula, "--solver", "lsmr", "--quiet"]);
        Assert.Equal(0, fromCells.ExitCode);
        Assert.Equal(rows.Json.GetProperty("fingerprint").GetString(), fromCells.Json.GetProperty("fingerprint").GetString());
        Assert.Equal(rows.Json.GetProperty("data").GetProperty("cells").GetInt32(), fromCells.Json.GetProperty("data").GetProperty("cells").GetInt32());
    }

    [Fact]
    public void Compress_needs_out_and_bad_input_exits_2_with_one_line()
    {
        using var data = new SourceTestData(exact: true, rows: 20);
        var noOut = KeelProcess.Run(["compress", data.Csv, "--formula", "y ~ a"]);
        Assert.Equal(2, noOut.ExitCode);
        var badColumn = KeelProcess.Run(["compress", data.Csv, "--formula", "y ~ nosuch", "--out", data.File_("c.csv")]);
        Assert.Equal(2, badColumn.ExitCode);
        Assert.Single(badColumn.Stderr.Trim().Split('\n'));
        Assert.Contains("nosuch", badColumn.Stderr, StringComparison.Ordinal);
        var weightsWithCells = KeelProcess.Run(["fit", data.Csv, "--cells", "--formula", "y ~ a", "--weights", "w"]);
        Assert.Equal(2, weightsWithCells.ExitCode);
        Assert.DoesNotContain("   at ", weightsWithCells.Stderr, StringComparison.Ordinal);
    }
}
