using Keel.Pipeline;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Hardening;

/// <summary>
/// Bad input carries its place as properties as well as in the message (KeelInputException.File,
/// Line, Column), on the cell path's row pass and on the row path's reader, so a program can point
/// at the field without parsing the text.
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
}
