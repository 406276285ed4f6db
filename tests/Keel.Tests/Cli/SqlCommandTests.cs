using Keel.Tests.TestSupport;

namespace Keel.Tests.Cli;

public class SqlCommandTests
{
    [Theory]
    [InlineData("duckdb")]
    [InlineData("postgres")]
    [InlineData("spark")]
    [InlineData("trino")]
    public void Sql_prints_exactly_one_select_without_a_semicolon(string dialect)
    {
        var run = KeelProcess.Run(["sql", "--formula", "log(revenue) ~ region + city + C(month)", "--table", "lake.sales", "--dialect", dialect]);
        Assert.Equal(0, run.ExitCode);
        string sql = run.Stdout.Trim();
        Assert.StartsWith("SELECT ", sql, StringComparison.Ordinal);
        Assert.DoesNotContain(';', sql);
        Assert.Contains("keel_sum_wy2", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Sql_with_an_unknown_dialect_or_no_table_exits_2()
    {
        var dialect = KeelProcess.Run(["sql", "--formula", "y ~ a", "--table", "t", "--dialect", "oracle"]);
        Assert.Equal(2, dialect.ExitCode);
        Assert.Contains("--dialect oracle", dialect.Stderr, StringComparison.Ordinal);
        var none = KeelProcess.Run(["sql", "--formula", "y ~ a", "--dialect", "duckdb"]);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("--table", none.Stderr, StringComparison.Ordinal);
    }
}
