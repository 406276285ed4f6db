using Keel.Pipeline;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Rows;

/// <summary>
/// The row path against fixest 0.12.2 (feols with fixef.tol 3e-12) and R's lm + sandwich 3.0 on the
/// full dummy model, on fixest's benchmark shape in small (fe5k.csv: gen_fe_bench.py --rows 5000
/// --covariates 2 --seed 5; 250/70/16 levels). The numbers are printed by fixest_reference.R beside
/// this file. Tolerances: both sides converge the absorbed factors to about 1e-12; the covariates'
/// system is well conditioned (κ ≈ 1.1), so estimates agree to 1e-10 and standard errors to 1e-9.
/// </summary>
public class FixestReferenceTests
{
    private const string Formula = "ln_y ~ X1 + X2 | dum_1 + dum_2 + dum_3";

    private static string Data => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Rows", "fe5k.csv");

    [Theory]
    // fixest: se(m, vcov = "iid"), "hetero", cluster = ~dum_2 / ~dum_1 (fixef.K = "nested"), ~dum_2 + dum_3
    [InlineData(null, null, true, 0.013443825928289851, 0.013360290337103300)]
    [InlineData("hc1", null, true, 0.015364378297383494, 0.013446153020330368)]
    [InlineData(null, "dum_2", true, 0.024584597507695850, 0.013035792767109391)]
    [InlineData(null, "dum_1", true, 0.017952758058998923, 0.013372521700073354)]
    [InlineData(null, "dum_2,dum_3", true, 0.039326078596536244, 0.019209216062893639)]
    // sandwich on lm with every level: vcovHC(type = "HC1"), vcovCL(cluster = ~dum_2 / ~dum_2 + dum_3, type = "HC1")
    [InlineData("hc1", null, false, 0.015364378297383487, 0.013446153020330271)]
    [InlineData(null, "dum_2", false, 0.024765784175567036, 0.013131865597010055)]
    [InlineData(null, "dum_2,dum_3", false, 0.039524087905043713, 0.019458781878250512)]
    public void Standard_errors_equal_the_named_peer(string? se, string? cluster, bool fixest, double x1, double x2)
    {
        string[] clusters = cluster?.Split(',') ?? [];
        var options = new FitOptions
        {
            Formula = Formula,
            Inputs = [Data],
            StandardErrors = se == "hc1" ? StandardErrorKind.Hc1 : StandardErrorKind.Classical,
            ClusterColumn = clusters.FirstOrDefault(),
            SecondClusterColumn = clusters.Length > 1 ? clusters[1] : null,
            SmallSample = fixest ? SmallSampleConvention.Fixest : SmallSampleConvention.Sandwich,
            Threads = 2,
        };
        var result = FitPipeline.Run(options).Result;
        Assert.Equal("within", result.SolverName);
        Numeric.AssertClose(0.40736433047185217, result.Coefficients.Single(c => c.Name == "X1").Estimate!.Value, rel: 1e-10, what: "X1");
        Numeric.AssertClose(0.10281836703443444, result.Coefficients.Single(c => c.Name == "X2").Estimate!.Value, rel: 1e-10, what: "X2");
        Numeric.AssertClose(x1, result.Coefficients.Single(c => c.Name == "X1").StdError!.Value, rel: 1e-9, what: "std. error of X1");
        Numeric.AssertClose(x2, result.Coefficients.Single(c => c.Name == "X2").StdError!.Value, rel: 1e-9, what: "std. error of X2");
    }
}
