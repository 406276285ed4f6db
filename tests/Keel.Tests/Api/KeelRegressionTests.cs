using System.Globalization;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Api;

/// <summary>
/// The public API is a wrapper: it must give exactly what the pipeline and the CLI give (same JSON,
/// same summary, same bits), from a file or from the same columns in memory, and read its JSON back.
/// </summary>
// Slow (fits through the public API, some large): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class KeelRegressionTests
{
    private const string Formula = "log(revenue) ~ region + city + product + C(month) + discount";

    private static string Example => Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");

    [Fact]
    public void Fit_from_a_file_is_the_pipelines_result_json_and_summary()
    {
        RegressionResult result = KeelRegression.Fit(Example, Formula);

        FitResult internalResult = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [Example] }).Result;
        using var json = new MemoryStream();
        ResultJson.Write(internalResult, json);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(json.ToArray()), result.ToJson());
        Assert.Equal(SummaryText.Render(internalResult, diagnoseOnly: false), result.Summary());
        Assert.Equal(Fingerprint.Of(internalResult.Coefficients.Select(c => c.Estimate)), result.Fingerprint);

        // Cities are nested in regions: regions after the first are aliased, null, and explained.
        Assert.Equal("qr", result.Solver);
        Assert.True(result.Converged);
        Assert.Equal(20_000, result.Rows);
        Assert.Equal(result.Coefficients.Count(c => c.Status == CoefficientStatus.Aliased), result.Diagnostics.Aliased.Count);
        Coefficient region = result.Coefficients.First(c => c.Term == "region" && c.Status == CoefficientStatus.Aliased);
        Assert.Null(region.Estimate);
        Assert.NotEmpty(region.AliasedWith);
        Assert.StartsWith(region.Name + " = ", region.AliasExplanation, StringComparison.Ordinal);
        Assert.Contains(result.Warnings, w => w.Code == "ALIASED");
        Assert.NotNull(result.Statistics?.RSquared);
        Assert.Equal(internalResult.Sigma, result.Statistics!.Sigma);
        Coefficient discount = result.Coefficients.Single(c => c.Name == "discount");
        Assert.Equal(CoefficientStatus.Estimated, discount.Status);
        Assert.Equal(Math.Exp(discount.Estimate!.Value), discount.ExpEstimate!.Value, 15);
    }

    [Fact]
    public void Columns_in_memory_give_the_same_bits_as_the_file()
    {
        DataColumns data = ReadExampleColumns();
        RegressionResult fromMemory = KeelRegression.Fit(data, Formula);
        RegressionResult fromFile = KeelRegression.Fit(Example, Formula);

        Assert.Equal(fromFile.Fingerprint, fromMemory.Fingerprint);
        Assert.Equal(fromFile.ToJson(), fromMemory.ToJson());
    }

    [Fact]
    public void Json_reads_back_to_an_equal_result()
    {
        RegressionResult result = KeelRegression.Fit(Example, Formula, new FitSettings { Solver = SolverKind.Lsmr, Lsmr = new LsmrSettings { Tolerance = 1e-12 } });
        RegressionResult back = RegressionResult.FromJson(result.ToJson());

        Assert.Equal(result.ToJson(), back.ToJson());
        Assert.Equal(result.Summary(), back.Summary());
        Assert.Equal(result.Fingerprint, back.Fingerprint);
        Assert.Equal(result.Statistics, back.Statistics);
        Assert.Equal(result.Warnings, back.Warnings);
        Assert.Equal("lsmr", back.Solver);
        Assert.Equal(result.Iterations, back.Iterations);
        Assert.Equal(result.Coefficients.Count, back.Coefficients.Count);
        for (int i = 0; i < result.Coefficients.Count; i++)
        {
            Assert.Equal(result.Coefficients[i] with { AliasedWith = [] }, back.Coefficients[i] with { AliasedWith = [] });
            Assert.Equal(result.Coefficients[i].AliasedWith, back.Coefficients[i].AliasedWith);
        }

        using var stream = new MemoryStream();
        back.WriteJson(stream);
        Assert.Equal(result.ToJson(), System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void The_cli_result_json_reads_back()
    {
        KeelProcess.Outcome cli = KeelProcess.Run(["fit", Example, "--formula", Formula, "--quiet"]);
        Assert.Equal(0, cli.ExitCode);
        RegressionResult back = RegressionResult.FromJson(cli.Stdout);
        Assert.Equal(KeelRegression.Fit(Example, Formula).Fingerprint, back.Fingerprint);
    }

    [Fact]
    public async Task FitAsync_reports_progress_and_gives_the_same_result()
    {
        var stages = new List<FitStage>();
        var progress = new SynchronousProgress(p => stages.Add(p.Stage));
        RegressionResult result = await KeelRegression.FitAsync([Example], Formula, new FitSettings { Threads = 1 }, progress);

        Assert.Equal(KeelRegression.Fit(Example, Formula).Fingerprint, result.Fingerprint);
        Assert.Contains(FitStage.Reading, stages);
        Assert.Equal(FitStage.Solving, stages[^1]);

        var iterations = new List<int>();
        KeelRegression.Fit(Example, Formula, new FitSettings { Solver = SolverKind.Lsmr }, new SynchronousProgress(p =>
        {
            if (p.Iteration is { } k)
            {
                iterations.Add(k);
            }
        }));
        Assert.NotEmpty(iterations);
    }

    [Fact]
    public void Cancellation_stops_the_row_pass()
    {
        // 200,000 rows: the row pass looks at the token every 65,536 rows.
        int rows = 200_000;
        var data = new DataColumns
        {
            { "g", Enumerable.Range(0, rows).Select(i => "g" + (i % 7).ToString(CultureInfo.InvariantCulture)).ToArray() },
            { "y", Enumerable.Range(0, rows).Select(i => (double)(i % 13)).ToArray() },
        };
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cancel.Cancel());

        Assert.ThrowsAny<OperationCanceledException>(() => KeelRegression.Fit(data, "y ~ g", progress: progress, cancellationToken: cancel.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => KeelRegression.Fit(Example, Formula, cancellationToken: cancel.Token));
    }

    [Fact]
    public void Cancellation_after_the_design_stops_before_the_dense_solve()
    {
        // The first "solving" report comes after the design is built; the dense QR does not look at
        // the token, so the pipeline must before starting it.
        using var cancel = new CancellationTokenSource();
        int solvingReports = 0;
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == FitStage.Solving)
            {
                solvingReports++;
                cancel.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => KeelRegression.Fit(Example, Formula, new FitSettings { Solver = SolverKind.Qr }, progress, cancel.Token));
        Assert.Equal(1, solvingReports);
    }

    [Fact]
    public void Bad_input_throws_KeelInputException_and_misuse_throws_ArgumentException()
    {
        Assert.Throws<KeelInputException>(() => KeelRegression.Fit(Example, "log(revenue) ~ nosuchcolumn"));
        Assert.Throws<KeelInputException>(() => KeelRegression.Fit(Example, "log(revenue) ~ ("));
        Assert.Throws<KeelInputException>(() => KeelRegression.Fit("no/such/file.csv", Formula));
        Assert.Throws<KeelInputException>(() => RegressionResult.FromJson("{\"not\": \"a result\"}"));
        Assert.Throws<KeelInputException>(() => RegressionResult.FromJson("{"));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeelRegression.Fit(Example, Formula, new FitSettings { Threads = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeelRegression.Fit(Example, Formula, new FitSettings { Lsmr = new LsmrSettings { Tolerance = 2 } }));

        var data = new DataColumns { { "y", new[] { 1.0, 2.0 } } };
        Assert.Throws<ArgumentException>(() => data.Add("x", new[] { "a" }));
        Assert.Throws<ArgumentException>(() => data.Add("y", new[] { 1, 2 }));
        var missingRow = new DataColumns { { "y", new[] { 1.0, double.NaN, 3.0, 4.0 } }, { "g", new[] { "a", "b", null, "b" } } };
        RegressionResult dropped = KeelRegression.Fit(missingRow, "y ~ g");
        Assert.Equal(2, dropped.DroppedRows);
        Assert.Contains(dropped.Warnings, w => w.Code == "DROPPED_ROWS");
    }

    private static DataColumns ReadExampleColumns()
    {
        string[] lines = File.ReadAllLines(Example);
        string[][] rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        string[] header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        return new DataColumns
        {
            { "region", rows.Select(r => r[Col("region")]).ToArray() },
            { "city", rows.Select(r => r[Col("city")]).ToArray() },
            { "product", rows.Select(r => r[Col("product")]).ToArray() },
            { "month", rows.Select(r => int.Parse(r[Col("month")], CultureInfo.InvariantCulture)).ToArray() },
            { "discount", rows.Select(r => double.Parse(r[Col("discount")], CultureInfo.InvariantCulture)).ToArray() },
            { "revenue", rows.Select(r => double.Parse(r[Col("revenue")], CultureInfo.InvariantCulture)).ToArray() },
        };
    }

    /// <summary>Calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<FitProgress> report) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => report(value);
    }
}
