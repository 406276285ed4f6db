using Keel.Model;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Rows;

/// <summary>fixest's formula form and bad input on the row path: parsed as written, errors with file, line and column, exit 2.</summary>
public class RowPathInputTests
{
    [Fact]
    public void The_bar_appends_absorbed_categorical_terms()
    {
        Formula f = FormulaParser.Parse("log(y) ~ x1 + x2 | firm + `the year`");
        Assert.Equal(["x1", "x2", "C(firm)", "C(`the year`)"], f.Terms.Select(t => t.Label));
        Assert.Equal(["firm", "the year"], f.Absorbed);
        Assert.Equal("log(y) ~ x1 + x2 | firm + `the year`", f.Canonical);
        Assert.Equal(f.Terms, FormulaParser.Parse(f.Canonical).Terms);
    }

    [Theory]
    [InlineData("y ~ x | f1^f2", "f1^f2 and x[f] are not supported")]
    [InlineData("y ~ x | f + f", "appears twice after '|'")]
    [InlineData("y ~ x + f | f", "both a regressor and a fixed effect")]
    [InlineData("y | f ~ x", "'|' before '~'")]
    [InlineData("y ~ x |", "column names joined by '+'")]
    public void Bad_bars_are_named(string formula, string message)
    {
        var e = Assert.Throws<KeelInputException>(() => FormulaParser.Parse(formula));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_word_in_a_covariate_is_an_error_naming_file_line_and_column()
    {
        string csv = RowPathData.Csv(3000, seed: 51);
        string[] lines = csv.Split('\n');
        string[] fields = lines[2500].Split(',');
        fields[1] = "n/a";
        lines[2500] = string.Join(',', fields);
        using var data = new TempCsv(string.Join('\n', lines));
        var outcome = KeelProcess.Run(["fit", data.Path, "--formula", "y ~ x1 + x2 | a + b", "--quiet"]);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains($"{data.Path}, line 2501, column 'x1': 'n/a' is not a finite number", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_values_drop_their_rows_and_say_so()
    {
        string csv = RowPathData.Csv(3000, seed: 52);
        string[] lines = csv.Split('\n');
        lines[10] = lines[10].Replace(",a", ",NA,a", StringComparison.Ordinal).Split(',') is var f ? string.Join(',', f[0], "NA", f[2], f[4], f[5], f[6]) : lines[10];
        using var data = new TempCsv(string.Join('\n', lines));
        var outcome = KeelProcess.Run(["fit", data.Path, "--formula", "y ~ x1 + x2 | a + b", "--quiet"]);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("within", outcome.Json.GetProperty("solver").GetProperty("name").GetString());
        Assert.Equal(1, outcome.Json.GetProperty("data").GetProperty("dropped_rows").GetInt64());
        Assert.Equal(2999, outcome.Json.GetProperty("data").GetProperty("rows").GetInt64());
    }
}
