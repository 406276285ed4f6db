using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Poisson rates with offset(log(exposure)) against R 4.2.2's glm(..., offset = log(exposure)) and
/// sandwich on glm_offset.csv (exposures differ within every cell, so the cells' Σw·exposure is
/// what makes the cell fit exact). Source of every expected number: glm2_reference.R beside this
/// file (its printed output). Tolerances as in GlmAgainstRTests: well-conditioned designs and both
/// sides converged far below 1e-10 give estimates to about 1e-12 (1e-10 asked), standard errors
/// at the last iterate vs R's last weights to 1e-8.
/// </summary>
public class GlmOffsetAgainstRTests
{
    private const double EstimateTolerance = 1e-10;
    private const double StdErrorTolerance = 1e-8;

    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    private static FitResult Fit(string formula, string? weights = null, StandardErrorKind se = StandardErrorKind.Classical, string? cluster = null, int threads = 1) =>
        FitPipeline.Run(new FitOptions
        {
            Formula = formula,
            Inputs = [Data("glm_offset.csv")],
            Family = GlmFamily.Poisson,
            WeightColumn = weights,
            StandardErrors = se,
            ClusterColumn = cluster,
            Threads = threads,
        }).Result;

    private static double[] Estimates(FitResult r) => r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).Select(c => c.Estimate!.Value).ToArray();

    private static double[] StdErrors(FitResult r) => r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).Select(c => c.StdError!.Value).ToArray();

    [Fact]
    public void Offset_on_repeated_cells_matches_glm_on_the_rows_and_the_grouped_deviance()
    {
        FitResult r = Fit("y ~ a + b + offset(log(exposure))");
        Assert.True(r.Converged);
        Numeric.AssertClose([-0.45092318980179408, 0.34668587254535665, -0.14766710465267358, 0.76627566738501229, -0.19395877044882576, 0.3081227130257011], Estimates(r), EstimateTolerance, what: "estimate");
        Numeric.AssertClose([0.081451027529398437, 0.092714561828248637, 0.099384901856231306, 0.081742188938147928, 0.077236565126000439, 0.068099044473176287], StdErrors(r), StdErrorTolerance, what: "std_error");
        // Cells of several rows with different exposures: the deviance is the grouped data's, R's glm
        // of the cell totals with offset log(total exposure).
        Assert.False(r.Glm!.DevianceOfRows);
        Numeric.AssertClose(4.4042933070276415, r.Glm.Deviance, 1e-10, what: "deviance of the cells");
        Numeric.AssertClose(218.20667903040686, r.Glm.NullDeviance, 1e-10, what: "null deviance of the cells");
    }

    [Fact]
    public void Offset_cluster_standard_errors_match_sandwich_vcovCL()
    {
        FitResult r = Fit("y ~ a + b + offset(log(exposure))", cluster: "g");
        Numeric.AssertClose([0.070347409807230477, 0.080924542706557939, 0.085569263386123112, 0.075532475880025984, 0.049216417170117752, 0.06171241053465544], StdErrors(r), StdErrorTolerance, what: "cluster std_error");
    }

    [Fact]
    public void Offset_on_rows_that_do_not_repeat_has_the_rows_deviance_and_hc1()
    {
        FitResult r = Fit("y ~ a + x + offset(log(exposure))");
        Numeric.AssertClose([-0.41891858102367863, 0.32437359360793416, -0.16694417266676873, 0.75944897924477239, 0.075670079112991409], Estimates(r), EstimateTolerance, what: "estimate");
        Numeric.AssertClose([0.084435616168681532, 0.092617551289352923, 0.099440179581025245, 0.081695850941869541, 0.099687667494147397], StdErrors(r), StdErrorTolerance, what: "std_error");
        Assert.True(r.Glm!.DevianceOfRows);
        Numeric.AssertClose(592.25404692737288, r.Glm.Deviance, 1e-10, what: "deviance");
        Numeric.AssertClose(756.35104170662237, r.Glm.NullDeviance, 1e-10, what: "null deviance (intercept refitted with the offset, as R)");
        FitResult hc1 = Fit("y ~ a + x + offset(log(exposure))", se: StandardErrorKind.Hc1);
        Numeric.AssertClose([0.087729119381961498, 0.089040677620236874, 0.10712902729451382, 0.087101441683933245, 0.11145531240708573], StdErrors(hc1), StdErrorTolerance, what: "hc1 std_error");
    }

    [Fact]
    public void Offset_with_weights_matches_glm()
    {
        FitResult r = Fit("y ~ a + b + offset(log(exposure))", weights: "w");
        Numeric.AssertClose([-0.4824724219499435, 0.39713233261987813, -0.091242234791914872, 0.80346107820414003, -0.18682846705264067, 0.31596610531097469], Estimates(r), EstimateTolerance, what: "estimate");
        Numeric.AssertClose([0.057414465472275765, 0.066490954590894422, 0.070215338297352312, 0.057816325260986429, 0.053969935830896182, 0.04714980195723132], StdErrors(r), StdErrorTolerance, what: "std_error");
    }

    [Fact]
    public void Offset_alone_is_the_intercept_model()
    {
        FitResult r = Fit("y ~ offset(log(exposure))");
        Numeric.AssertClose([-0.076846081139718359], Estimates(r), EstimateTolerance, what: "estimate");
        Numeric.AssertClose([0.029160592175989916], StdErrors(r), StdErrorTolerance, what: "std_error");
        // One cell of all 500 rows: the deviance is that cell's (R's 756.35 is the rows').
        Assert.False(r.Glm!.DevianceOfRows);
    }

    [Fact]
    public void Offset_of_the_log_column_equals_offset_of_log_and_threads_change_no_bit()
    {
        FitResult log = Fit("y ~ a + b + offset(log(exposure))");
        // e^log(e) is e to within an ulp, so the two agree to rounding, not bit for bit.
        Numeric.AssertClose(Estimates(log), Estimates(Fit("y ~ a + b + offset(logexposure)")), 1e-13, what: "offset(logexposure)");
        Assert.Equal(Estimates(log), Estimates(Fit("y ~ a + b + offset(log(exposure))", threads: 2)));
    }

    [Theory]
    [InlineData("y ~ a + offset(log(exposure)) + offset(log(x))")]
    [InlineData("y ~ a - offset(log(exposure))")]
    [InlineData("y ~ a:offset(log(exposure))")]
    [InlineData("y ~ (a + offset(log(exposure)))")]
    public void Offset_in_the_wrong_place_is_refused(string formula)
    {
        var e = Assert.Throws<KeelInputException>(() => Fit(formula));
        Assert.Contains("offset", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offset_needs_poisson_and_hc1_needs_single_row_cells()
    {
        Assert.Contains("--family poisson", Assert.Throws<KeelInputException>(() => FitPipeline.Run(new FitOptions { Formula = "y ~ a + offset(log(exposure))", Inputs = [Data("glm_offset.csv")], Threads = 1 })).Message, StringComparison.Ordinal);
        Assert.Contains("--cluster", Assert.Throws<KeelInputException>(() => Fit("y ~ a + b + offset(log(exposure))", se: StandardErrorKind.Hc1)).Message, StringComparison.Ordinal);
    }
}

/// <summary>The library API's FitSettings.Family gives the command line's fit (same result fingerprint).</summary>
public class GlmApiTests
{
    [Fact]
    public void FitSettings_family_poisson_with_an_offset_matches_the_pipeline()
    {
        string file = Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", "glm_offset.csv");
        const string Formula = "y ~ a + b + offset(log(exposure))";
        RegressionResult api = KeelRegression.Fit(file, Formula, new FitSettings { Family = ModelFamily.Poisson, Threads = 1 });
        FitResult pipeline = FitPipeline.Run(new FitOptions { Formula = Formula, Inputs = [file], Family = GlmFamily.Poisson, Threads = 1 }).Result;
        Assert.Equal(pipeline.Coefficients.Select(c => c.Estimate), api.Coefficients.Select(c => c.Estimate));
        Numeric.AssertClose(-0.45092318980179408, api.Coefficients[0].Estimate!.Value, 1e-10, what: "intercept against R");
    }
}
