using Keel.Compression;
using Keel.Data;
using Keel.Model;

namespace Keel.Tests.Data;

public class DuckDbPushDownTests
{
    [Fact]
    public void Exact_data_in_a_duckdb_table_gives_the_csv_cells_and_fingerprint()
    {
        // Targets k/8 and integer weights: every partial sum DuckDB forms is a representable double,
        // so its floating-point SUM equals Keel's exact sum whatever the order.
        using var data = new SourceTestData(exact: true);
        var table = new DataInputs([data.DuckDbDatabase()]) { Table = "sales" };
        CellTable expected = SourceTestData.Cells(new DataInputs([data.Csv]), SourceTestData.Formula, "w");
        CellTable actual = SourceTestData.Cells(table, SourceTestData.Formula, "w");
        SourceTestData.AssertSameCells(expected, actual);
        Assert.Equal(expected.Counts.RowsRead, actual.Counts.RowsRead);
        Assert.Equal(expected.Counts.DroppedMissing, actual.Counts.DroppedMissing);
        Assert.Equal(
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([data.Csv]), SourceTestData.Formula, "w")),
            SourceTestData.FingerprintOf(SourceTestData.Fit(table, SourceTestData.Formula, "w")));
    }

    [Fact]
    public void General_data_with_log_and_weights_agrees_to_1e_12_and_repeats_its_own_bits()
    {
        // DuckDB rounds each SUM step and uses its own LN: a few ulps per cell sum, which moves the
        // coefficients by about cond·ulps; the example is well conditioned, so 1e-12 relative holds.
        using var data = new SourceTestData(exact: false);
        var query = new DataInputs([data.DuckDbDatabase()]) { Query = "SELECT * FROM sales WHERE month <> 13" };
        SourceTestData.AssertCloseFits(
            SourceTestData.Fit(new DataInputs([data.Csv]), SourceTestData.LogFormula, "w"),
            SourceTestData.Fit(query, SourceTestData.LogFormula, "w"),
            1e-12);
        // threads=1: the same query gives the same bits every run.
        SourceTestData.AssertSameCells(SourceTestData.Cells(query, SourceTestData.LogFormula, "w"), SourceTestData.Cells(query, SourceTestData.LogFormula, "w"));
    }

    [Fact]
    public void The_printed_duckdb_query_run_inside_duckdb_gives_cells_that_fit_like_the_csv()
    {
        using var exact = new SourceTestData(exact: true);
        string database = exact.DuckDbDatabase()["duckdb:".Length..];
        RowPassPlan plan = DesignBuilder.PlanFor(FormulaParser.Parse(SourceTestData.Formula), "w", false);
        string sql = SqlCellsQuery.Build(plan, SqlDialect.DuckDb, "sales", null);
        string cells = exact.File_("cells.parquet");
        SourceTestData.DuckDb(database, $"COPY ({sql}) TO {SourceTestData.Literal(cells)} (FORMAT PARQUET)");
        Assert.Equal(
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([exact.Csv]), SourceTestData.Formula, "w")),
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([cells]) { Cells = true }, SourceTestData.Formula)));

        using var general = new SourceTestData(exact: false);
        database = general.DuckDbDatabase()["duckdb:".Length..];
        plan = DesignBuilder.PlanFor(FormulaParser.Parse(SourceTestData.LogFormula), null, false);
        cells = general.File_("cells.csv");
        SourceTestData.DuckDb(database, $"COPY ({SqlCellsQuery.Build(plan, SqlDialect.DuckDb, null, "SELECT * FROM sales")}) TO {SourceTestData.Literal(cells)} (FORMAT CSV, HEADER)");
        SourceTestData.AssertCloseFits(
            SourceTestData.Fit(new DataInputs([general.Csv]), SourceTestData.LogFormula),
            SourceTestData.Fit(new DataInputs([cells]) { Cells = true }, SourceTestData.LogFormula),
            1e-12);
    }

    [Fact]
    public void Engine_duckdb_over_csv_and_parquet_files_gives_the_native_cells_for_exact_data()
    {
        using var data = new SourceTestData(exact: true);
        CellTable native = SourceTestData.Cells(new DataInputs([data.Csv]), SourceTestData.Formula, "w");
        SourceTestData.AssertSameCells(native, SourceTestData.Cells(new DataInputs([data.Csv]) { Engine = DataEngine.DuckDb }, SourceTestData.Formula, "w"));
        SourceTestData.AssertSameCells(native, SourceTestData.Cells(new DataInputs([data.Parquet()]) { Engine = DataEngine.DuckDb }, SourceTestData.Formula, "w"));
    }

    [Fact]
    public void Engine_duckdb_over_csv_with_na_drop_leaves_out_text_targets_like_the_native_pass()
    {
        using var data = new SourceTestData(exact: true, rows: 1);
        string path = data.File_("text-target.csv");
        File.WriteAllText(path, "a,y\nx,1\ny,abc\nx,3\ny,4\n");
        CellTable native = SourceTestData.Cells(new DataInputs([path]), "y ~ a", dropInvalid: true);
        CellTable duck = SourceTestData.Cells(new DataInputs([path]) { Engine = DataEngine.DuckDb }, "y ~ a", dropInvalid: true);
        SourceTestData.AssertSameCells(native, duck);
        Assert.Equal(native.Counts.Dropped, duck.Counts.Dropped);
        var e = Assert.Throws<KeelInputException>(() => SourceTestData.Cells(new DataInputs([path]) { Engine = DataEngine.DuckDb }, "y ~ a"));
        Assert.Contains("abc", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Bad_input_inside_the_database_is_a_one_line_input_error()
    {
        using var data = new SourceTestData(exact: true, rows: 50);
        string source = data.DuckDbDatabase();
        string db = source["duckdb:".Length..];
        SourceTestData.DuckDb(db, "CREATE TABLE bad AS SELECT a, b, month, x, CASE WHEN month = 3 THEN -y ELSE y END AS y, CASE WHEN month = 4 THEN -w ELSE w END AS w FROM sales");

        string Message(DataInputs inputs, string formula, string? weights = null, bool drop = false) =>
            Assert.Throws<KeelInputException>(() => SourceTestData.Cells(inputs, formula, weights, drop)).Message;

        Assert.Contains("non-positive target", Message(new DataInputs([source]) { Table = "bad" }, "log(y) ~ a"), StringComparison.Ordinal);
        Assert.Contains("negative weight", Message(new DataInputs([source]) { Table = "bad" }, "y ~ a", "w"), StringComparison.Ordinal);
        Assert.Contains("the database rejected the query", Message(new DataInputs([source]) { Table = "nosuch" }, "y ~ a"), StringComparison.Ordinal);
        Assert.Contains("exactly one of --table", Message(new DataInputs([source]), "y ~ a"), StringComparison.Ordinal);
        Assert.Contains("no such DuckDB database", Message(new DataInputs(["duckdb:/nonexistent/x.duckdb"]) { Table = "t" }, "y ~ a"), StringComparison.Ordinal);
        foreach (string m in new[] { Message(new DataInputs([source]) { Table = "nosuch" }, "y ~ a") })
        {
            Assert.DoesNotContain('\n', m);
        }

        // --na drop: the rows with a non-positive target are counted as dropped, as in Keel's own pass.
        CellTable dropped = SourceTestData.Cells(new DataInputs([source]) { Table = "bad" }, "log(y) ~ a", null, dropInvalid: true);
        CellTable native = SourceTestData.Cells(new DataInputs([data.Csv]), "log(y) ~ a", null, dropInvalid: true);
        Assert.True(dropped.Counts.DroppedInvalid > 0);
        Assert.Equal(native.Counts.RowsRead, dropped.Counts.RowsRead);
    }
}
