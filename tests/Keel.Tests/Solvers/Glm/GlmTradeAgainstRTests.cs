using System.Globalization;
using System.Text.Json;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Real data, the issue's own check: PPML of fixest's `trade` flows (38,325 rows, euros per origin,
/// destination, product and year; trade.csv.gz), `Euros ~ log(dist_km) + Origin + Destination +
/// C(Product) + C(Year)`, against R's glm (epsilon 1e-13) and sandwich's vcovCL(HC1) clustered by
/// origin: trade_glm_reference.csv, written by trade_reference.R beside this file.
/// Tolerances: the issue asks 1e-8 for estimates and deviance, 1e-6 for classical and 1e-5 for
/// clustered standard errors; both sides converge far beyond that (measured: 8e-13, 2.6e-15, 2.5e-13,
/// 3.9e-10), so the asked tolerances hold with a wide margin. The plain fit runs in process, the
/// clustered one as the user runs it: `keel fit trade.csv.gz ... --family poisson --cluster Origin`.
/// </summary>
// Slow (two PPML fits on 38k rows in a Debug build): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class GlmTradeAgainstRTests
{
    private const string Formula = "Euros ~ log(dist_km) + Origin + Destination + C(Product) + C(Year)";

    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    private static FitResult Fit() => FitPipeline.Run(new FitOptions
    {
        Formula = Formula,
        Inputs = [Data("trade.csv.gz")],
        Family = GlmFamily.Poisson,
        Threads = 1,
    }).Result;

    private static JsonElement FitByTheCommand(string cluster)
    {
        KeelProcess.Outcome run = KeelProcess.Run(["fit", Data("trade.csv.gz"), "--formula", Formula, "--family", "poisson", "--cluster", cluster, "--threads", "1", "--quiet"]);
        Assert.True(run.ExitCode == 0, $"keel fit: exit {run.ExitCode}: {run.Stderr}");
        return run.Json;
    }

    // R's names: Origin + level, factor(Product) + level; Keel's: Origin[level], C(Product)[level].
    private static string RName(string keel) =>
        keel.Replace("C(Product)[", "factor(Product)", StringComparison.Ordinal).Replace("C(Year)[", "factor(Year)", StringComparison.Ordinal)
            .Replace("Origin[", "Origin", StringComparison.Ordinal).Replace("Destination[", "Destination", StringComparison.Ordinal).TrimEnd(']');

    [Fact]
    public void Poisson_on_the_trade_flows_matches_glm_and_sandwich()
    {
        var reference = File.ReadAllLines(Data("trade_glm_reference.csv")).Skip(1)
            .Select(line => line.Split(','))
            .ToDictionary(f => f[0], f => (Estimate: Parse(f[1]), Classical: Parse(f[2]), Cluster: Parse(f[3])));
        // The two fits at once: each is mostly one dense QR per iteration, serial.
        FitResult r = null!;
        JsonElement clustered = default;
        Parallel.Invoke(() => r = Fit(), () => clustered = FitByTheCommand("Origin"));
        Assert.True(r.Converged && clustered.GetProperty("solver").GetProperty("converged").GetBoolean());
        Assert.Equal(38_325, r.Rows);
        Assert.Equal("cluster(Origin)", clustered.GetProperty("fit").GetProperty("std_error_type").GetString());
        Assert.Equal(15, clustered.GetProperty("fit").GetProperty("clusters").GetInt32());

        var estimated = r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).ToList();
        Assert.Equal(reference.Count, estimated.Count); // every coefficient R estimates, no more
        var clusteredByName = clustered.GetProperty("coefficients").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!);
        foreach (CoefficientResult c in estimated)
        {
            var expected = reference[RName(c.Name)];
            Numeric.AssertClose(expected.Estimate, c.Estimate!.Value, 1e-8, what: $"{c.Name} estimate");
            Assert.Equal(c.Estimate!.Value, clusteredByName[c.Name].GetProperty("estimate").GetDouble()); // clustering changes no estimate
            Numeric.AssertClose(expected.Classical, c.StdError!.Value, 1e-6, what: $"{c.Name} classical std_error");
            Numeric.AssertClose(expected.Cluster, clusteredByName[c.Name].GetProperty("std_error").GetDouble(), 1e-5, what: $"{c.Name} std_error clustered by origin");
        }

        Numeric.AssertClose(1404940250691.7776, r.Glm!.Deviance, 1e-8, what: "deviance");
        Numeric.AssertClose(5953943111737.6016, r.Glm.NullDeviance, 1e-8, what: "null deviance");
    }

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
