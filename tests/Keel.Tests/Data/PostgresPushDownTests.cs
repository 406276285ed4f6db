using Keel.Compression;
using Keel.Data;
using Keel.Model;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Data;

/// <summary>Against a real PostgreSQL server started for this class (no mocks).</summary>
public sealed class PostgresPushDownTests : IClassFixture<PostgresServer>, IDisposable
{
    private readonly PostgresServer _server;
    private readonly SourceTestData _exact = new(exact: true);
    private readonly SourceTestData _general = new(exact: false);

    public PostgresPushDownTests(PostgresServer server)
    {
        _server = server;
        foreach (var (table, data) in new[] { ("exact_sales", _exact), ("general_sales", _general) })
        {
            _server.Execute($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (a text, b text, month integer, x double precision, y double precision, w double precision)");
            _server.CopyCsv(table, data.Csv);
        }
    }

    [Fact]
    public void Exact_data_in_a_postgres_table_gives_the_csv_cells_and_fingerprint()
    {
        var table = new DataInputs([_server.Url]) { Table = "exact_sales" };
        CellTable expected = SourceTestData.Cells(new DataInputs([_exact.Csv]), SourceTestData.Formula, "w");
        CellTable actual = SourceTestData.Cells(table, SourceTestData.Formula, "w");
        SourceTestData.AssertSameCells(expected, actual);
        Assert.Equal(expected.Counts.RowsRead, actual.Counts.RowsRead);
        Assert.Equal(expected.Counts.DroppedMissing, actual.Counts.DroppedMissing);
        Assert.Equal(
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([_exact.Csv]), SourceTestData.Formula, "w")),
            SourceTestData.FingerprintOf(SourceTestData.Fit(table, SourceTestData.Formula, "w")));
    }

    [Fact]
    public void General_data_with_log_and_weights_agrees_to_1e_12()
    {
        // PostgreSQL's SUM(float8) rounds each step and its ln is the C library's: a few ulps per
        // cell sum; the example is well conditioned, so the coefficients agree to 1e-12 relative.
        var query = new DataInputs([_server.Url]) { Query = "SELECT * FROM general_sales" };
        SourceTestData.AssertCloseFits(
            SourceTestData.Fit(new DataInputs([_general.Csv]), SourceTestData.LogFormula, "w"),
            SourceTestData.Fit(query, SourceTestData.LogFormula, "w"),
            1e-12);
    }

    [Fact]
    public void The_printed_postgres_query_run_on_the_server_gives_cells_that_fit_like_the_csv()
    {
        RowPassPlan plan = DesignBuilder.PlanFor(FormulaParser.Parse(SourceTestData.Formula), "w", false);
        string cells = _exact.File_("pg-cells.csv");
        _server.ExportCsv(SqlCellsQuery.Build(plan, SqlDialect.Postgres, "exact_sales", null), cells);
        Assert.Equal(
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([_exact.Csv]), SourceTestData.Formula, "w")),
            SourceTestData.FingerprintOf(SourceTestData.Fit(new DataInputs([cells]) { Cells = true }, SourceTestData.Formula)));

        plan = DesignBuilder.PlanFor(FormulaParser.Parse(SourceTestData.LogFormula), null, false);
        cells = _general.File_("pg-cells.csv");
        _server.ExportCsv(SqlCellsQuery.Build(plan, SqlDialect.Postgres, "general_sales", null), cells);
        SourceTestData.AssertCloseFits(
            SourceTestData.Fit(new DataInputs([_general.Csv]), SourceTestData.LogFormula),
            SourceTestData.Fit(new DataInputs([cells]) { Cells = true }, SourceTestData.LogFormula),
            1e-12);
    }

    [Fact]
    public void Bad_sources_are_one_line_input_errors()
    {
        string Message(DataInputs inputs) => Assert.Throws<KeelInputException>(() => SourceTestData.Cells(inputs, "y ~ a")).Message;
        string noTable = Message(new DataInputs([_server.Url]) { Table = "nosuch" });
        Assert.Contains("the database rejected the query", noTable, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', noTable);
        Assert.Contains("cannot connect", Message(new DataInputs([$"postgresql://keel:secret@127.0.0.1:{_server.Port}/nosuchdb"]) { Table = "t" }), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", Message(new DataInputs([$"postgresql://keel:secret@127.0.0.1:{_server.Port}/nosuchdb"]) { Table = "t" }), StringComparison.Ordinal);
        _server.Execute("DROP TABLE IF EXISTS negative_weights; CREATE TABLE negative_weights AS SELECT a, y, -w AS w FROM exact_sales");
        var withPassword = new DataInputs([$"postgresql://keel:secret@127.0.0.1:{_server.Port}/postgres"]) { Table = "negative_weights" };
        string negative = Assert.Throws<KeelInputException>(() => SourceTestData.Cells(withPassword, "y ~ a", "w")).Message;
        Assert.Contains("negative weight", negative, StringComparison.Ordinal);
        Assert.Contains("keel:***@", negative, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", negative, StringComparison.Ordinal);
        Assert.Contains("name the database", Message(new DataInputs(["postgresql://keel@127.0.0.1:5432"]) { Table = "t" }), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _exact.Dispose();
        _general.Dispose();
    }
}
