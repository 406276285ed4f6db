using System.Globalization;
using Keel.Data;
using Keel.Pipeline;
using Keel.Prediction;
using Keel.Results;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;
using Keel.Solvers;

namespace Keel.Tests.Prediction;

public class PredictionTests
{
    // Cities nested in regions: R1 holds C1, C2; R2 holds C3, C4. With region before city, one
    // city column is aliased (a combination of region and the other cities).
    private const string Nested = """
        region,city,y
        R1,C1,1
        R1,C1,2
        R1,C2,4
        R1,C2,5
        R1,C2,3
        R2,C3,7
        R2,C3,8
        R2,C4,10
        R2,C4,12
        R2,C4,11
        """;

    private static (PredictionModel Model, FitOutcome Outcome) FitAndLoad(string csv, string formula)
    {
        FitOutcome outcome = CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [], Solver = SolverChoice.Qr, Threads = 1 });
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.json");
        try
        {
            using (var stream = File.Create(path))
            {
                ResultJson.Write(outcome.Result, stream);
            }

            return (PredictionModel.Load(path), outcome);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<string[]> Predict(PredictionModel model, string csv, UnseenPolicy unseen = UnseenPolicy.Error)
    {
        using var data = new TempCsv(csv);
        using ITabularSource source = CsvSource.Open(data.Path);
        var output = new StringWriter();
        model.Run(source, output, unseen);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
    }

    [Fact]
    public void Nested_design_marks_combinations_outside_the_row_space_as_not_estimable()
    {
        (PredictionModel model, FitOutcome outcome) = FitAndLoad(Nested, "y ~ region + city");
        Assert.Single(outcome.Result.Coefficients, c => c.Status == CoefficientStatus.Aliased);
        var rows = Predict(model, "region,city\nR1,C1\nR1,C2\nR2,C3\nR2,C4\nR1,C3\nR2,C1\nR1,C4\n");

        // Seen combinations: estimable, and the fitted value of a saturated cell model is the cell mean.
        double[] means = [1.5, 4, 7.5, 11];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("true", rows[i][4]);
            Numeric.AssertClose(means[i], double.Parse(rows[i][2], CultureInfo.InvariantCulture), 1e-13, 1e-13, $"row {i}");
            Assert.NotEqual(string.Empty, rows[i][3]);
        }

        // A city paired with a region it was never in: the value depends on how the aliased
        // column was resolved, so it is flagged and has no standard error.
        for (int i = 4; i < 7; i++)
        {
            Assert.Equal("false", rows[i][4]);
            Assert.Equal(string.Empty, rows[i][3]);
        }
    }

    [Fact]
    public void Estimability_agrees_with_the_rank_test_on_the_materialised_design()
    {
        // Oracle: v is estimable iff appending v to X does not raise its rank (MathNet SVD rank).
        (PredictionModel model, _) = FitAndLoad(Nested, "y ~ region + city");
        string[] regions = ["R1", "R2"], cities = ["C1", "C2", "C3", "C4"];
        var training = Nested.Split('\n').Skip(1).Select(l => l.Split(',')).Select(f => Row(f[0], f[1])).ToList();
        int rank = Matrix<double>.Build.DenseOfRows(training).Rank();
        foreach (string region in regions)
        {
            foreach (string city in cities)
            {
                bool expected = Matrix<double>.Build.DenseOfRows(training.Append(Row(region, city))).Rank() == rank;
                var row = Predict(model, $"region,city\n{region},{city}\n")[0];
                Assert.Equal(expected ? "true" : "false", row[4]);
            }
        }

        static double[] Row(string region, string city) =>
            [1, region == "R2" ? 1 : 0, city == "C2" ? 1 : 0, city == "C3" ? 1 : 0, city == "C4" ? 1 : 0];
    }

    [Fact]
    public void Unseen_levels_follow_the_policy()
    {
        (PredictionModel model, _) = FitAndLoad(Nested, "y ~ region + city");
        const string csv = "region,city\nR1,C9\n";
        var error = Assert.Throws<KeelInputException>(() => Predict(model, csv));
        Assert.Contains("'C9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("column 'city'", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);

        var asNull = Predict(model, csv, UnseenPolicy.Null)[0];
        Assert.Equal(["R1", "C9", string.Empty, string.Empty, "false"], asNull);

        // As the reference level C1: the same as predicting R1, C1.
        var asReference = Predict(model, csv, UnseenPolicy.Reference)[0];
        var reference = Predict(model, "region,city\nR1,C1\n")[0];
        Assert.Equal(reference[2..], asReference[2..]);
    }

    [Fact]
    public void An_interaction_combination_never_observed_is_not_estimable()
    {
        // a2:b2 never occurs, so its interaction column does not exist in the fit.
        const string csv = "a,b,y\na1,b1,1\na1,b1,2\na1,b2,3\na2,b1,5\na1,b2,4\na2,b1,6\n";
        (PredictionModel model, _) = FitAndLoad(csv, "y ~ a * b");
        var rows = Predict(model, "a,b\na1,b1\na2,b1\na2,b2\n");
        Assert.Equal(["true", "true", "false"], rows.Select(r => r[4]));
    }

    [Fact]
    public void Rows_seen_in_fitting_get_the_fitted_values_bit_for_bit()
    {
        // Continuous parts through every path: log, poly, an interaction of a factor with x.
        var rng = new Random(7);
        var lines = new List<string> { "a,b,x,z,y" };
        for (int i = 0; i < 400; i++)
        {
            string a = "A" + rng.Next(5).ToString(CultureInfo.InvariantCulture);
            string b = "B" + rng.Next(3).ToString(CultureInfo.InvariantCulture);
            double x = 0.5 + rng.Next(6);
            int z = rng.Next(-3, 4);
            double y = (2 * x) - (0.3 * z * z) + a[1] - b[1] + rng.NextDouble();
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{a},{b},{x},{z},{y:R}"));
        }

        string csv = string.Join('\n', lines) + "\n";
        (PredictionModel model, FitOutcome outcome) = FitAndLoad(csv, "y ~ a + C(b, ref=\"B2\") + log(x) + poly(z, 2, raw=TRUE) + a:x");
        var predictions = Predict(model, csv);

        // The fit's fitted value of each row's cell, looked up by the cell's labels.
        var fittedOf = new Dictionary<string, double>(StringComparer.Ordinal);
        var cells = outcome.Design!.Cells;
        for (int c = 0; c < cells.CellCount; c++)
        {
            string key = string.Join(',', Enumerable.Range(0, cells.KeyColumns.Length).Select(j => cells.KeyColumns[j].Labels[cells.Code(c, j)]));
            fittedOf[key] = outcome.FittedByCell![c];
        }

        string[] header = lines[0].Split(',');
        string[] keyNames = cells.KeyColumns.Select(k => k.Name).ToArray();
        foreach (string[] p in predictions)
        {
            string key = string.Join(',', keyNames.Select(n => Canonical(p[Array.IndexOf(header, n)])));
            Assert.Equal(fittedOf[key].ToString("R", CultureInfo.InvariantCulture), p[header.Length]);
            Assert.Equal("true", p[header.Length + 2]);
        }

        static string Canonical(string field) => double.TryParse(field, CultureInfo.InvariantCulture, out double v) ? Keel.Compression.KeyColumn.NumberLabel(v) : field;
    }

    [Fact]
    public void Standard_errors_match_an_independent_computation()
    {
        // Oracle: MathNet on the expanded rows, se(x0'b) = s·sqrt(x0'(X'X)⁻¹x0), full-rank design.
        const string csv = "a,x,y\nA,1,2.1\nA,2,3.9\nA,3,6.2\nB,1,3.0\nB,2,5.1\nB,4,9.2\nC,2,4.4\nC,3,7.1\nC,5,10.3\nA,2,4.2\n";
        (PredictionModel model, _) = FitAndLoad(csv, "y ~ a + x");
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        double[] Design(string a, double x) => [1, a == "B" ? 1 : 0, a == "C" ? 1 : 0, x];
        var xMatrix = Matrix<double>.Build.DenseOfRows(rows.Select(f => Design(f[0], double.Parse(f[1], CultureInfo.InvariantCulture))));
        var y = Vector<double>.Build.DenseOfEnumerable(rows.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)));
        var beta = xMatrix.QR().Solve(y);
        double s2 = (y - (xMatrix * beta)).DotProduct(y - (xMatrix * beta)) / (rows.Count - 4);
        var inverse = (xMatrix.Transpose() * xMatrix).Inverse();
        var predictions = Predict(model, "a,x\nA,1\nB,3.5\nC,10\n");
        (string A, double X)[] points = [("A", 1), ("B", 3.5), ("C", 10)];
        for (int i = 0; i < points.Length; i++)
        {
            var x0 = Vector<double>.Build.DenseOfArray(Design(points[i].A, points[i].X));
            // (X'X)⁻¹ by MathNet's LU carries about κ(X'X)·u ≈ 1e-12 here.
            Numeric.AssertClose(x0.DotProduct(beta), double.Parse(predictions[i][2], CultureInfo.InvariantCulture), 1e-12, 0, "prediction");
            Numeric.AssertClose(Math.Sqrt(s2 * x0.DotProduct(inverse * x0)), double.Parse(predictions[i][3], CultureInfo.InvariantCulture), 1e-10, 0, "std_error");
        }
    }
}
