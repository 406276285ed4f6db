using Keel.Compression;
using Keel.Model;

namespace Keel.Tests.Compression;

public class SqlCellsQueryTests
{
    private static RowPassPlan Plan(string formula, string? weights = null) => DesignBuilder.PlanFor(FormulaParser.Parse(formula), weights, false);

    [Theory]
    [InlineData("duckdb")]
    [InlineData("postgres")]
    [InlineData("spark")]
    [InlineData("trino")]
    public void Prints_one_select_without_a_semicolon_with_the_contract_columns(string name)
    {
        SqlDialect dialect = SqlCellsQuery.ParseDialect(name);
        string sql = SqlCellsQuery.Build(Plan("log(y) ~ a * C(m) + I(x^2)", "w"), dialect, "lake.sales", null);
        Assert.StartsWith("SELECT ", sql, StringComparison.Ordinal);
        Assert.DoesNotContain(';', sql);
        Assert.Equal(1, CountOf(sql, "SELECT"));
        foreach (string column in SqlCellsQuery.StatisticColumns)
        {
            Assert.Contains($" AS {column}", sql, StringComparison.Ordinal);
        }

        Assert.Contains("FROM lake.sales", sql, StringComparison.Ordinal);
        Assert.Contains("LN(", sql, StringComparison.Ordinal);
        // Every regressor column once, grouped in formula order; the target never is a key.
        string q = dialect == SqlDialect.Spark ? "`" : "\"";
        Assert.Contains($"GROUP BY {q}a{q}, {q}m{q}, {q}x{q}", sql, StringComparison.Ordinal);
        Assert.Contains($"{q}a{q} IS NOT NULL", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotes_identifiers_per_dialect_and_wraps_a_query()
    {
        string spark = SqlCellsQuery.Build(Plan("y ~ `odd name`"), SqlDialect.Spark, null, "SELECT * FROM t;");
        Assert.Contains("`odd name`", spark, StringComparison.Ordinal);
        Assert.Contains("FROM (SELECT * FROM t) AS keel_source", spark, StringComparison.Ordinal);
        Assert.Equal("\"a\"\"b\"", SqlCellsQuery.Quote("a\"b", SqlDialect.Postgres));
        Assert.Equal("`a``b`", SqlCellsQuery.Quote("a`b", SqlDialect.Spark));
        Assert.Contains("DOUBLE PRECISION", SqlCellsQuery.Build(Plan("y ~ a"), SqlDialect.Postgres, "t", null), StringComparison.Ordinal);
    }

    [Fact]
    public void Needs_exactly_one_of_table_and_query_and_rejects_reserved_names()
    {
        Assert.Throws<KeelInputException>(() => SqlCellsQuery.Build(Plan("y ~ a"), SqlDialect.DuckDb, null, null));
        Assert.Throws<KeelInputException>(() => SqlCellsQuery.Build(Plan("y ~ a"), SqlDialect.DuckDb, "t", "SELECT 1"));
        Assert.Throws<KeelInputException>(() => SqlCellsQuery.Build(Plan("y ~ keel_n"), SqlDialect.DuckDb, "t", null));
        Assert.Throws<KeelInputException>(() => SqlCellsQuery.ParseDialect("oracle"));
    }

    private static int CountOf(string text, string word) => (text.Length - text.Replace(word, string.Empty, StringComparison.Ordinal).Length) / word.Length;
}
