using Keel.Pipeline;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Hardening;

/// <summary>
/// Bad input carries its place as properties as well as in the message (KeelInputException.File,
/// Line, Column), on the cell path's row pass, the row path's reader, the sources (a whole file)
/// and the design (a column's value, at the line where it was first seen), so a program can point
/// at the field without parsing the text. The messages are the ones the command printed before the
/// properties existed.
/// </summary>
public class ErrorLocationTests
{
    [Theory]
    [InlineData("y ~ a", "a,y\nx,1\nx,oops\n", 3L, "y")]                       // cell path: target not a number
    [InlineData("y ~ a", "a,y\nx,1\nx,2,3\n", 3L, null)]                       // cell path: a field too many
    [InlineData("log(y) ~ a", "a,y\nx,1\nx,2\nx,0\n", 4L, "y")]               // cell path: log of 0
    public void Cell_path_errors_name_file_line_and_column(string formula, string csv, long line, string? column)
    {
        using var file = new TempCsv(csv);
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [file.Path], Threads = 1 }));
        Assert.Equal(file.Path, error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(column, error.Column);
        Assert.StartsWith($"{file.Path}, line {line}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Row_path_errors_name_file_line_and_column()
    {
        // Enough distinct rows for the row path (a continuous covariate next to a factor), one bad covariate.
        var rows = Enumerable.Range(0, 300).Select(i => $"f{i % 7},{i}.25,{i % 13}.5").ToList();
        rows[200] = "f1,not-a-number,2.5";
        using var file = new TempCsv("f,x,y\n" + string.Join('\n', rows) + "\n");
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ x | f", Inputs = [file.Path], Threads = 2 }));
        Assert.Equal(file.Path, error.File);
        Assert.Equal(202L, error.Line);
        Assert.Equal("x", error.Column);
    }

    [Fact]
    public void A_missing_file_names_the_file_and_no_line()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"keel-missing-{Guid.NewGuid():N}.csv");
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a", Inputs = [missing] }));
        Assert.Equal($"{missing}: no such file", error.Message);
        Assert.Equal(missing, error.File);
        Assert.Null(error.Line);
        Assert.Null(error.Column);
    }

    [Fact]
    public void An_empty_file_names_the_file()
    {
        using var file = new TempCsv(string.Empty);
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a", Inputs = [file.Path] }));
        Assert.Equal($"{file.Path}: the file is empty; expected a header row naming the columns", error.Message);
        Assert.Equal(file.Path, error.File);
        Assert.Null(error.Line);
    }

    [Fact]
    public void A_duplicated_header_name_is_on_line_1_of_the_file()
    {
        using var file = new TempCsv("a,a,y\n1,2,3\n");
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a", Inputs = [file.Path] }));
        Assert.Equal($"{file.Path}, line 1: column name 'a' appears twice (columns 1 and 2); rename one", error.Message);
        Assert.Equal((file.Path, 1L, (string?)null), (error.File, error.Line, error.Column));
    }

    [Theory]
    [InlineData("x,y\n1,1\n2,2\n0,5\n1,3\n", "y ~ log(x)", "column 'x', line 4: log(x) is undefined for 0; log() needs positive values", 4L)]
    [InlineData("a,y\nx,1\nz,2\n", "y ~ I(a^2)", "column 'a', line 2: I(a^2) needs numbers, but 'x' is text", 2L)]
    public void A_value_judged_after_the_read_names_its_column_and_first_line(string csv, string formula, string message, long line)
    {
        var error = Assert.Throws<KeelInputException>(() => CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [] }));
        Assert.Equal(message, error.Message);
        Assert.Null(error.File); // the cells of several files are merged: the value's file is not kept
        Assert.Equal(line, error.Line);
        Assert.Equal(csv[..csv.IndexOf(',', StringComparison.Ordinal)], error.Column);
    }

    [Fact]
    public void A_formula_error_names_its_character_as_a_property()
    {
        // "y ~ a + + b": the second '+' is the 9th character (1-based), where a term was expected.
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a + + b", Inputs = ["unused.csv"] }));
        Assert.Equal(9, error.FormulaColumn);
        Assert.Contains("column 9:", error.Message, StringComparison.Ordinal);
        Assert.Null(error.File);
        Assert.Null(error.Option);
    }

    [Fact]
    public void A_combination_Keel_does_not_fit_names_the_option()
    {
        // Two-way clustering on the cells (no continuous covariate: the rows compress) is refused by name.
        using var file = new TempCsv("a,b,y\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"a{i % 5},b{i % 4},{i % 7}\n")));
        var error = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a + b", Inputs = [file.Path], ClusterColumn = "a", SecondClusterColumn = "b" }));
        Assert.Equal("--cluster", error.Option);
        Assert.StartsWith("--cluster a,b:", error.Message, StringComparison.Ordinal);
        Assert.Null(error.FormulaColumn);
    }
}
