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

public class CompressCommandSourceTests
{
    [Fact]
    public void Fit_reads_a_duckdb_table_and_engine_duckdb_from_the_command_line()
    {
        using var data = new SourceTestData(exact: true);
        string formula = SourceTestData.Formula;
        var csv = KeelProcess.Run(["fit", data.Csv, "--formula", formula, "--weights", "w", "--solver", "lsmr", "--quiet"]);
        var table = KeelProcess.Run(["fit", data.DuckDbDatabase(), "--table", "sales", "--formula", formula, "--weights", "w", "--solver", "lsmr", "--quiet"]);
        var engine = KeelProcess.Run(["fit", data.Parquet(), "--engine", "duckdb", "--formula", formula, "--weights", "w", "--solver", "lsmr", "--quiet"]);
        Assert.Equal(0, table.ExitCode);
        Assert.Equal(0, engine.ExitCode);
        string expected = csv.Json.GetProperty("fingerprint").GetString()!;
        Assert.Equal(expected, table.Json.GetProperty("fingerprint").GetString());
        Assert.Equal(expected, engine.Json.GetProperty("fingerprint").GetString());
        Assert.Equal(csv.Json.GetProperty("data").GetProperty("dropped_rows").GetInt64(), table.Json.GetProperty("data").GetProperty("dropped_rows").GetInt64());

        var badEngine = KeelProcess.Run(["fit", data.Csv, "--engine", "spark", "--formula", formula]);
        Assert.Equal(2, badEngine.ExitCode);
        Assert.Contains("--engine spark", badEngine.Stderr, StringComparison.Ordinal);
        var tableOnFile = KeelProcess.Run(["fit", data.Csv, "--table", "t", "--formula", formula]);
        Assert.Equal(2, tableOnFile.ExitCode);
        Assert.Contains("belong to a database source", tableOnFile.Stderr, StringComparison.Ordinal);
    }
}
