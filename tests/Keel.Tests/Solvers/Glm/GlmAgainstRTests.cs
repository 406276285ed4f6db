using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Poisson and logistic fits on cells against R 4.2.2's glm and sandwich, on glm_data.csv and
/// glm_separated.csv in this folder. Source of every expected number: glm_reference.R beside this
/// file (its printed output, pasted here); R ran with glm.control(epsilon = 1e-15).
/// Tolerances: the designs are well conditioned (scaled κ below 10) and both sides iterate to a
/// deviance change far below 1e-10, so estimates agree to about 1e-12; 1e-10 relative leaves a
/// margin. Standard errors: R takes (X'ΩX)⁻¹ at the weights of its last step, Keel at its last
/// iterate, which differ by the last step's size (quadratic convergence makes it tiny): 1e-8.
/// </summary>
public class GlmAgainstRTests
{
    private const double EstimateTolerance = 1e-10;
    private const double StdErrorTolerance = 1e-8;

    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    private static FitResult Fit(string formula, GlmFamily family, string file = "glm_data.csv", string? weights = null, StandardErrorKind se = StandardErrorKind.Classical, string? cluster = null) =>
        FitPipeline.Run(new FitOptions
        {
            Formula = formula,
            Inputs = [Data(file)],
            Family = family,
            WeightColumn = weights,
            StandardErrors = se,
            ClusterColumn = cluster,
            Threads = 1,
        }).Result;

    // R lists the intercept and the non-reference levels; Keel also lists the reference levels (estimate 0).
    private static void AssertEstimates(FitResult r, double[] expected, double tolerance)
    {
        double[] actual = r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).Select(c => c.Estimate!.Value).ToArray();
        Numeric.AssertClose(expected, actual, tolerance, what: "estimate");
    }

    private static void AssertStdErrors(FitResult r, double[] expected, double tolerance)
    {
        double[] actual = r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).Select(c => c.StdError!.Value).ToArray();
        Numeric.AssertClose(expected, actual, tolerance, what: "std_error");
    }

    [Fact]
    public void Poisson_matches_glm_estimates_and_standard_errors_and_the_rows_deviance()
    {
        FitResult r = Fit("y ~ a + b", GlmFamily.Poisson);
        Assert.True(r.Converged);
        AssertEstimates(r, [0.37761838101251316, 0.41581595959426709, -0.5162483623944939, 0.9168215900892428, -0.2710358917996199, 0.15276289966526485], EstimateTolerance);
        AssertStdErrors(r, [0.097528803950008222, 0.1099717625871164, 0.13862325680228507, 0.099299729304568318, 0.088309866033712284, 0.084746110227445284], StdErrorTolerance);
        // 12 cells of repeated rows with different counts: the cells keep Σw·y·log y, so the deviance
        // is the rows' (R's glm on the rows), not the grouped one (2.5895915518338972, R's glm of the
        // cell means with weights = rows, which differs by the within-cell part).
        Assert.True(r.Glm!.DevianceOfRows);
        Numeric.AssertClose(433.20932203069992, r.Glm.Deviance, 1e-10, what: "deviance of the rows");
        Numeric.AssertClose(657.33221991576318, r.Glm.NullDeviance, 1e-10, what: "null deviance of the rows");
        Assert.Equal(394, r.DfResidual);
        Assert.Equal(399, r.Glm.DfNull);
        CoefficientResult a4 = r.Coefficients.Single(c => c.Name == "a[a4]");
        Numeric.AssertClose(Math.Exp(0.9168215900892428), a4.ExpEstimate!.Value, 1e-10, what: "exp_estimate (rate ratio)");
    }

    [Fact]
    public void Poisson_on_rows_that_do_not_repeat_has_the_rows_deviance()
    {
        FitResult r = Fit("y ~ a + x", GlmFamily.Poisson);
        AssertEstimates(r, [0.34103488146312111, 0.38310325436847026, -0.54915453441586759, 0.88491877436632727, 0.042628464973470712], EstimateTolerance);
        AssertStdErrors(r, [0.1068421794532515, 0.11007393926793831, 0.13837704098367073, 0.099082742958350331, 0.12274843158725501], StdErrorTolerance);
        Assert.True(r.Glm!.DevianceOfRows);
        Numeric.AssertClose(456.59484487646915, r.Glm.Deviance, 1e-10, what: "deviance");
        Numeric.AssertClose(657.33221991576318, r.Glm.NullDeviance, 1e-10, what: "null deviance");
    }

    [Fact]
    public void Poisson_robust_standard_errors_match_sandwich()
    {
        FitResult hc1 = Fit("y ~ a + b", GlmFamily.Poisson, se: StandardErrorKind.Hc1);
        Assert.Equal("hc1", hc1.StdErrorType);
        AssertStdErrors(hc1, [0.10264462730319213, 0.1104810270061093, 0.14760315490449791, 0.096156430192551601, 0.089445383740428486, 0.082513934715683718], StdErrorTolerance);
        FitResult clustered = Fit("y ~ a + b", GlmFamily.Poisson, cluster: "g");
        Assert.Equal(12, clustered.Clusters);
        AssertStdErrors(clustered, [0.093177357571481545, 0.085007533134874441, 0.091660585143214401, 0.099009975624515453, 0.083895901377447138, 0.099712057811116986], StdErrorTolerance);
    }

    [Fact]
    public void Logit_on_zero_one_targets_matches_glm_with_the_rows_deviance()
    {
        FitResult r = Fit("z ~ a + b", GlmFamily.Binomial);
        AssertEstimates(r, [-0.53249899606683404, 0.52660603936957417, -0.7858069628838491, 0.99455670160207355, -0.47746579688899793, 0.1010805322282468], EstimateTolerance);
        AssertStdErrors(r, [0.2600214338595096, 0.29858702765718936, 0.33418615995086964, 0.29330029813443165, 0.25972855800984213, 0.26758419431493968], StdErrorTolerance);
        // Every row is 0 or 1 (Σwy² = Σwy exactly), so the cells determine the rows' deviance.
        Assert.True(r.Glm!.DevianceOfRows);
        Numeric.AssertClose(495.19711554893502, r.Glm.Deviance, 1e-10, what: "deviance");
        Numeric.AssertClose(536.74574779002785, r.Glm.NullDeviance, 1e-10, what: "null deviance");
    }

    [Fact]
    public void Logit_on_proportions_with_trials_as_weights_matches_glm()
    {
        FitResult r = Fit("p ~ a + b", GlmFamily.Binomial, weights: "trials");
        AssertEstimates(r, [-0.62276160845671025, 0.70265345052942607, -0.75511032469214534, 0.82623227589909087, -0.44014266224158599, 0.0073859209320183755], EstimateTolerance);
        AssertStdErrors(r, [0.15852457570198633, 0.17841037297479592, 0.20090233337709876, 0.17624655603495853, 0.15420445859742518, 0.16025293665492624], StdErrorTolerance);
    }

    [Fact]
    public void A_poisson_level_of_zeros_is_separated_named_and_the_rest_equals_glm_without_its_rows()
    {
        FitResult r = Fit("y ~ a + b", GlmFamily.Poisson, "glm_separated.csv");
        CoefficientResult a3 = r.Coefficients.Single(c => c.Name == "a[a3]");
        Assert.Equal(Keel.CoefficientStatus.Separated, a3.Status);
        Assert.Null(a3.Estimate);
        Assert.Null(a3.ExpEstimate);
        long a3Rows = File.ReadLines(Data("glm_separated.csv")).Count(l => l.StartsWith("a3,", StringComparison.Ordinal));
        Assert.Equal(a3Rows, r.Glm!.SeparatedRows);
        FitWarning warning = Assert.Single(r.Warnings, w => w.Code == WarningCodes.Separation);
        Assert.Contains("a[a3]", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"{a3Rows} of 400 rows were dropped", warning.Message, StringComparison.Ordinal);
        AssertEstimates(r, [0.37074462680620679, 0.41437693883226001, 0.91603204929965232, -0.25118787375055673, 0.15785221205194885], EstimateTolerance);
        AssertStdErrors(r, [0.099168431101332874, 0.11000010527853536, 0.099332377403412067, 0.093468704812541145, 0.089735413460010141], StdErrorTolerance);
        Assert.Equal(400 - a3Rows - 5, r.DfResidual);
    }

    [Fact]
    public void A_logit_level_of_ones_is_separated_and_the_rest_equals_glm_without_its_rows()
    {
        FitResult r = Fit("z ~ a + b", GlmFamily.Binomial, "glm_separated.csv");
        Assert.Equal(Keel.CoefficientStatus.Separated, r.Coefficients.Single(c => c.Name == "a[a4]").Status);
        Assert.Contains("a[a4]", Assert.Single(r.Warnings, w => w.Code == WarningCodes.Separation).Message, StringComparison.Ordinal);
        AssertEstimates(r, [-0.51768823835120914, 0.52756176062187321, -0.7872944775775591, -0.50026188052732601, 0.078202834301512911], EstimateTolerance);
        AssertStdErrors(r, [0.27660372418979545, 0.29930671142851722, 0.33452980743238475, 0.31512016761231054, 0.31328062492540792], StdErrorTolerance);
        Numeric.AssertClose(352.24037476132054, r.Glm!.Deviance, 1e-10, what: "deviance");
        Numeric.AssertClose(372.86870424272109, r.Glm.NullDeviance, 1e-10, what: "null deviance");
    }

    [Fact]
    public void Cells_out_writes_the_fitted_rate_and_its_standard_error_as_predict_glm()
    {
        // R: predict(glm(y ~ a + b, poisson, d), data.frame(a = "a1", b = c("b1", "b2", "b3")),
        //    type = "response", se.fit = TRUE) on glm_data.csv (delta method, dispersion 1).
        string output = Path.Combine(Path.GetTempPath(), $"keel-glm-cells-{Guid.NewGuid():N}.csv");
        try
        {
            var run = KeelProcess.Run(["fit", Data("glm_data.csv"), "--formula", "y ~ a + b", "--family", "poisson", "--quiet", "--cells-out", output]);
            Assert.Equal(0, run.ExitCode);
            var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "a1").ToList();
            double[] fitted = rows.Select(f => double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            double[] se = rows.Select(f => double.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Numeric.AssertClose([1.4588061285193836, 1.1124696894099522, 1.6995802021874802], fitted, EstimateTolerance, what: "fitted rate");
            Numeric.AssertClose([0.14227561690943744, 0.11476435257204455, 0.16091421535217645], se, StdErrorTolerance, what: "std_error of the rate");
        }
        finally
        {
            File.Delete(output);
        }
    }
}
