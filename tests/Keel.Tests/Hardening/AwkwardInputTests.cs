using System.Text;
using System.Text.Json;
using Keel.Pipeline;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Hardening;

/// <summary>
/// Every bad input gets a one-line error naming where and what; every awkward but valid input a
/// result with the right warnings and no NaN or infinity anywhere in its JSON.
/// </summary>
public class AwkwardInputTests
{
    private static string Json(string csv, string formula, string? weights = null, bool drop = false) =>
        CsvFit.StrictJson(CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [], WeightColumn = weights, DropInvalid = drop }).Result);

    private static string Error(string csv, string formula, string? weights = null)
    {
        var e = Assert.Throws<KeelInputException>(() => CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [], WeightColumn = weights }));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("", "y ~ a", "empty")]
    [InlineData("a,y\n", "y ~ a", "no rows left")]
    [InlineData("a,y\nx,1\ny,2,3\n", "y ~ a", "line 3: expected 2 fields")]
    [InlineData("a,y\nx,abc\n", "y ~ a", "line 2, column 'y'")]
    [InlineData("a,a,y\n1,2,3\n", "y ~ a", "appears twice")]
    [InlineData("a,y\nx,1\n", "y ~ b", "no column named 'b'")]
    [InlineData("a,y\nx,1\n", "y ~ foo(a)", "unknown function 'foo'")]
    [InlineData("a,y\nx,1\n", "y ~ a +", "column 8")]
    [InlineData("a,y\nx,1\n", "y ~ I(a^2)", "needs numbers, but 'x' is text")]
    [InlineData("a,y\nx,0\nx,1\n", "log(y) ~ a", "log(0) is undefined")]
    [InlineData("a,y,w\nx,1,-1\n", "y ~ a", "weight '-1'")]
    [InlineData("a,y,w\nx,1,inf\n", "y ~ a", "weight 'inf'")]
    [InlineData("a,y\nx,1e999\n", "y ~ a", "not a finite number")]
    [InlineData("b,y\n1e308,1\n2,3\n", "y ~ poly(b, 2, raw=TRUE)", "does not fit in a double")]
    public void Bad_input_is_one_line_naming_where(string csv, string formula, string expected)
    {
        Assert.Contains(expected, Error(csv, formula, csv.StartsWith("a,y,w", StringComparison.Ordinal) ? "w" : null), StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_garbage_is_refused_as_not_csv()
    {
        var bytes = new byte[2000];
        new Random(1).NextBytes(bytes);
        string path = Path.Combine(Path.GetTempPath(), $"keel-garbage-{Guid.NewGuid():N}.csv");
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a", Inputs = [path] }));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Constant_target_single_row_and_identical_regressors_fit_with_warnings()
    {
        Assert.Contains("\"r_squared\": null", Json("a,y\nx,1\nx,1\ny,1\n", "y ~ a"), StringComparison.Ordinal);
        Assert.Contains("NO_RESIDUAL_DF", Json("a,y\nx,5\n", "y ~ a"), StringComparison.Ordinal);
        Assert.Contains("CONFLICTING_DUPLICATES", Json("a,y\nx,1\nx,2\nx,3\n", "y ~ a"), StringComparison.Ordinal);
    }

    [Fact]
    public void Magnitudes_near_the_ends_of_the_double_range_do_not_overflow()
    {
        var rng = new Random(2);
        var csv = new StringBuilder("a,x,y\n");
        for (int i = 0; i < 50; i++)
        {
            csv.Append(rng.Next(3)).Append(',').Append(rng.Next(10)).Append(',').Append((1 + rng.NextDouble()) * 1e300).Append('\n');
        }

        // y is uniform on [1e300, 2e300): its spread, and so sigma, is about 0.29e300.
        double sigma = JsonDocument.Parse(Json(csv.ToString(), "y ~ C(a) + x")).RootElement.GetProperty("fit").GetProperty("sigma").GetDouble();
        Assert.InRange(sigma, 0.1e300, 0.5e300);
        string tiny = Json(csv.ToString().Replace("E+300", "E-300", StringComparison.Ordinal), "y ~ C(a) + x");
        double tinySigma = JsonDocument.Parse(tiny).RootElement.GetProperty("fit").GetProperty("sigma").GetDouble();
        Assert.InRange(tinySigma, 0.1e-300, 0.5e-300);
        Assert.DoesNotContain("NON_FINITE", tiny, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_targets_near_the_largest_double_have_a_finite_cell_mean()
    {
        string json = Json("a,y\nx,1.5e308\nx,1.7e308\nz,1e308\nz,1.1e308\nz,1.2e308\n", "y ~ 0 + a");
        double estimate = JsonDocument.Parse(json).RootElement.GetProperty("coefficients")[0].GetProperty("estimate").GetDouble();
        Assert.Equal(1.6e308, estimate, 1e294);
    }

    [Fact]
    public void Missing_values_drop_rows_with_a_count_and_invalid_ones_drop_on_request()
    {
        string json = Json("a,y\nx,1\n,2\nNA,3\ny,4\ny,NaN\nx,2\n", "y ~ a");
        Assert.Contains("DROPPED_ROWS", json, StringComparison.Ordinal);
        Assert.Contains("\"dropped_rows\": 3", json, StringComparison.Ordinal);
        Assert.Contains("\"dropped_rows\": 1", Json("a,y\nx,1\nx,oops\ny,2\ny,3\n", "y ~ a", drop: true), StringComparison.Ordinal);
    }
}
