// The remedies through the keel program: options, result fields and exit codes (spec/cli.md).
using System.Text.Json;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Penalized;

public class RemedyCliTests
{
    private static string Data(TempCsv csv) => csv.Path;

    [Fact]
    public void Lasso_with_a_lambda_writes_regularized_coefficients_and_the_penalty()
    {
        using var csv = new TempCsv(PenalizedTestData.Csv(PenalizedTestData.Rows(41)));
        var run = KeelProcess.Run(["fit", Data(csv), "--formula", PenalizedTestData.Formula, "--solver", "lasso", "--lambda", "0.05", "--quiet"]);
        Assert.Equal(0, run.ExitCode);
        JsonElement solver = run.Json.GetProperty("solver");
        Assert.Equal("lasso", solver.GetProperty("name").GetString());
        Assert.Equal(0.05, solver.GetProperty("lambda").GetDouble());
        Assert.Equal(1.0, solver.GetProperty("alpha").GetDouble());
        var statuses = run.Json.GetProperty("coefficients").EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList();
        Assert.Contains("regularized", statuses);
        Assert.Equal("estimated", statuses[0]);
    }

    [Fact]
    public void Bad_remedy_options_exit_2_with_one_line()
    {
        using var csv = new TempCsv(PenalizedTestData.Csv(PenalizedTestData.Rows(42)));
        string[][] cases =
        [
            ["--solver", "lasso", "--alpha", "1.5"],
            ["--solver", "qr", "--lambda", "1"],
            ["--solver", "elasticnet", "--lambda", "1"],
            ["--se", "hc3"],
            ["--se", "hc1", "--weights", "w"],
            ["--solver", "lasso", "--cv", "1"],
        ];
        foreach (string[] extra in cases)
        {
            var run = KeelProcess.Run(["fit", Data(csv), "--formula", PenalizedTestData.Formula, "--quiet", .. extra]);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', extra)}: exit {run.ExitCode}, {run.Stderr}");
            Assert.Single(run.Stderr.Trim().Split('\n'));
        }
    }

    [Fact]
    public void Sgd_stopped_early_exits_1_with_the_result_and_hc1_is_reported()
    {
        using var csv = new TempCsv(PenalizedTestData.Csv(PenalizedTestData.Rows(43)));
        var sgd = KeelProcess.Run(["fit", Data(csv), "--formula", PenalizedTestData.Formula, "--solver", "sgd", "--epochs", "2", "--seed", "9", "--quiet"]);
        Assert.Equal(1, sgd.ExitCode);
        Assert.False(sgd.Json.GetProperty("solver").GetProperty("converged").GetBoolean());

        var hc1 = KeelProcess.Run(["fit", Data(csv), "--formula", PenalizedTestData.Formula, "--se", "hc1", "--quiet"]);
        Assert.Equal(0, hc1.ExitCode);
        Assert.Equal("hc1", hc1.Json.GetProperty("fit").GetProperty("std_error_type").GetString());
        var clustered = KeelProcess.Run(["fit", Data(csv), "--formula", PenalizedTestData.Formula, "--cluster", "a", "--quiet"]);
        Assert.Equal(4, clustered.Json.GetProperty("fit").GetProperty("clusters").GetInt32());
    }

    [Fact]
    public void A_cells_file_and_the_expanded_rows_give_the_lasso_and_ridge_of_the_weighted_rows()
    {
        var rows = PenalizedTestData.Rows(44);
        using var weighted = new TempCsv(PenalizedTestData.Csv(rows));
        using var expanded = new TempCsv(PenalizedTestData.Csv(PenalizedTestData.Expanded(rows)));
        string cells = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}.csv");
        try
        {
            var compress = KeelProcess.Run(["compress", weighted.Path, "--formula", PenalizedTestData.Formula, "--weights", "w", "--out", cells, "--quiet"]);
            Assert.True(compress.ExitCode == 0, compress.Stderr);
            foreach (string[] solver in new[] { new[] { "--solver", "lasso", "--lambda", "0.03" }, new[] { "--solver", "ridge", "--lambda", "0.2" } })
            {
                double[] Estimates(params string[] args)
                {
                    var run = KeelProcess.Run(["fit", .. args, "--formula", PenalizedTestData.Formula, "--quiet", .. solver]);
                    Assert.True(run.ExitCode == 0, run.Stderr);
                    return run.Json.GetProperty("coefficients").EnumerateArray().Select(c => c.GetProperty("estimate").GetDouble()).ToArray();
                }

                double[] fromRows = Estimates(weighted.Path, "--weights", "w");
                // The cells file holds each exact sum rounded to double: agreement to a few ulps of the inputs.
                Numeric.AssertClose(fromRows, Estimates(cells, "--cells"), 1e-12, 1e-13, $"{solver[1]}: cells file");
                Numeric.AssertClose(fromRows, Estimates(expanded.Path), 1e-12, 1e-13, $"{solver[1]}: expanded rows");
            }
        }
        finally
        {
            File.Delete(cells);
        }
    }
}
