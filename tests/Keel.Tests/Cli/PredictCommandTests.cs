using Keel.Tests.TestSupport;

namespace Keel.Tests.Cli;

public class PredictCommandTests
{
    [Fact]
    public void Predict_writes_csv_and_exits_2_naming_an_unseen_level()
    {
        using var data = new TempCsv("g,x,y\na,1,1\na,2,2.5\nb,1,2\nb,3,5.5\nc,2,4\nc,1,2.2\n");
        string result = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.json");
        string output = Path.ChangeExtension(result, ".csv");
        try
        {
            Assert.Equal(0, KeelProcess.Run(["fit", data.Path, "--formula", "y ~ g + x", "--out", result, "--quiet"]).ExitCode);
            using var fresh = new TempCsv("id,g,x\n1,a,1.5\n2,\"c\",4\n");
            var run = KeelProcess.Run(["predict", result, fresh.Path, "--out", output]);
            Assert.Equal(0, run.ExitCode);
            string[] lines = File.ReadAllLines(output);
            Assert.Equal("id,g,x,prediction,std_error,estimable", lines[0]);
            Assert.Equal(3, lines.Length);
            Assert.All(lines.Skip(1), l => Assert.EndsWith(",true", l, StringComparison.Ordinal));

            using var unseen = new TempCsv("g,x\na,1\nzz,2\n");
            var bad = KeelProcess.Run(["predict", result, unseen.Path, "--out", output + "2"]);
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("'zz'", bad.Stderr, StringComparison.Ordinal);
            Assert.Single(bad.Stderr.Trim().Split('\n'));
            Assert.False(File.Exists(output + "2"));
            var badToStdout = KeelProcess.Run(["predict", result, unseen.Path, "--quiet"]);
            Assert.Equal(2, badToStdout.ExitCode);
            Assert.Equal(string.Empty, badToStdout.Stdout);

            var asNull = KeelProcess.Run(["predict", result, unseen.Path, "--unseen", "null"]);
            Assert.Equal(0, asNull.ExitCode);
            Assert.Equal("keel: 2 rows predicted", asNull.Stderr.Trim());
            Assert.EndsWith("zz,2,,,false", asNull.Stdout.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(result);
            File.Delete(output);
        }
    }
}
