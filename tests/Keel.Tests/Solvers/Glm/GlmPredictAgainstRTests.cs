using Keel.Data;
using Keel.Pipeline;
using Keel.Prediction;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// keel predict on poisson (with offset) and binomial results: the mean on the response scale with
/// the delta-method standard error, against R 4.2.2's predict(fit, newdata, type = "response",
/// se.fit = TRUE) (glm2_reference.R beside this file). Tolerances: the mean inherits the estimates'
/// 1e-10; the standard error the covariance's 1e-8 (GlmAgainstRTests).
/// </summary>
public class GlmPredictAgainstRTests
{
    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    private static List<string[]> FitAndPredict(string file, string formula, GlmFamily family, string newData)
    {
        FitOutcome outcome = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [Data(file)], Family = family, Threads = 1 });
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.json");
        try
        {
            using (var stream = File.Create(path))
            {
                ResultJson.Write(outcome.Result, stream);
            }

            PredictionModel model = PredictionModel.Load(path);
            Assert.Equal(family, model.Family);
            using var data = new TempCsv(newData);
            using ITabularSource source = CsvSource.Open(data.Path);
            var output = new StringWriter();
            model.Run(source, output, UnseenPolicy.Error);
            return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertColumn(List<string[]> rows, int column, double[] expected, double tolerance, string what) =>
        Numeric.AssertClose(expected, rows.Select(r => double.Parse(r[column], System.Globalization.CultureInfo.InvariantCulture)).ToArray(), tolerance, what: what);

    [Fact]
    public void Poisson_prediction_is_the_rate_times_the_new_exposure_with_its_delta_method_error()
    {
        List<string[]> rows = FitAndPredict("glm_offset.csv", "y ~ a + b + offset(log(exposure))", GlmFamily.Poisson, "a,b,exposure\na1,b3,1\na2,b1,2.5\na4,b2,0.5\n");
        AssertColumn(rows, 3, [0.86692702371532737, 2.2525286162061287, 0.56453467376515121], 1e-10, "prediction");
        AssertColumn(rows, 4, [0.065813384541626413, 0.16693954326006852, 0.03817150887996721], 1e-8, "std_error");
        Assert.All(rows, r => Assert.Equal("true", r[5]));
    }

    [Fact]
    public void Poisson_prediction_needs_the_exposure_column()
    {
        var e = Assert.Throws<KeelInputException>(() => FitAndPredict("glm_offset.csv", "y ~ a + b + offset(log(exposure))", GlmFamily.Poisson, "a,b\na1,b3\n"));
        Assert.Contains("exposure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binomial_prediction_is_the_probability()
    {
        List<string[]> rows = FitAndPredict("glm_data.csv", "z ~ a + b", GlmFamily.Binomial, "a,b\na1,b2\na3,b1\na4,b3\n");
        AssertColumn(rows, 2, [0.26698674089289676, 0.21110027583436541, 0.63717835654029054], 1e-10, "prediction");
        AssertColumn(rows, 3, [0.053151898499189713, 0.048009859560517405, 0.061229816157841177], 1e-8, "std_error");
    }
}
