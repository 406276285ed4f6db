using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Poisson separation spread across two factors, which no single all-zero level reveals, found by
/// the iterated-rectifier certificate (SeparationCertificate) on glm_separation2.csv: b1 occurs only
/// with a1 and a2, and every row of a1 or a2 outside b1 is zero (156 rows). Expected values: R
/// 4.2.2's glm on the data without those rows (glm2_reference.R beside this file; fixest 0.12.2's
/// fepois does not detect this case and stops at its iteration limit). Tolerances as in
/// GlmAgainstRTests (1e-10 estimates, 1e-8 standard errors).
/// </summary>
public class GlmSeparationCertificateTests
{
    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    private static FitResult Fit(SolverChoice solver = SolverChoice.Auto) =>
        FitPipeline.Run(new FitOptions
        {
            Formula = "y ~ a + b + x",
            Inputs = [Data("glm_separation2.csv")],
            Family = GlmFamily.Poisson,
            Solver = solver,
            Threads = 1,
        }).Result;

    [Fact]
    public void Separation_across_two_factors_is_dropped_named_and_the_rest_equals_glm_without_it()
    {
        FitResult r = Fit();
        Assert.True(r.Converged);
        Assert.Equal(156, r.Glm!.SeparatedRows);
        FitWarning warning = Assert.Single(r.Warnings, w => w.Code == WarningCodes.Separation);
        Assert.Contains("a = a1, b = b2", warning.Message, StringComparison.Ordinal);
        Assert.Contains("no single level is all zero", warning.Message, StringComparison.Ordinal);
        Assert.Contains("156 of 500 rows were dropped", warning.Message, StringComparison.Ordinal);

        // Without the separated rows the blocks {a1, a2} × b1 and {a3, a4} × {b2, b3} are disconnected:
        // b3 is aliased (R: NA), the other estimates are R's.
        Assert.Equal(Keel.CoefficientStatus.Aliased, r.Coefficients.Single(c => c.Name == "b[b3]").Status);
        CoefficientResult[] estimated = r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).ToArray();
        Assert.Equal(["(Intercept)", "a[a2]", "a[a3]", "a[a4]", "b[b2]", "x"], estimated.Select(c => c.Name));
        Numeric.AssertClose([0.99841767433688122, -0.18646788607757567, -0.36627812919806541, 0.46493949237895887, -0.3456921390624782, -0.098269423155999167], estimated.Select(c => c.Estimate!.Value).ToArray(), 1e-10, what: "estimate");
        Numeric.AssertClose([0.091281745065226169, 0.10207656495973813, 0.11955075297804682, 0.095326797978012176, 0.097642560756771149, 0.12285672378622738], estimated.Select(c => c.StdError!.Value).ToArray(), 1e-8, what: "std_error");
        Numeric.AssertClose(770.97777248570981, r.Glm.Deviance, 1e-10, what: "deviance");
        Numeric.AssertClose(870.91845353940937, r.Glm.NullDeviance, 1e-10, what: "null deviance");
    }

    [Fact]
    public void The_lsmr_path_finds_the_same_separation()
    {
        FitResult r = Fit(SolverChoice.Lsmr);
        Assert.Equal(156, r.Glm!.SeparatedRows);
        Numeric.AssertClose(770.97777248570981, r.Glm.Deviance, 1e-8, what: "deviance");
    }

    [Fact]
    public void Data_without_separation_drop_nothing()
    {
        FitResult r = FitPipeline.Run(new FitOptions { Formula = "y ~ a + b + x", Inputs = [Data("glm_offset.csv")], Family = GlmFamily.Poisson, Threads = 1 }).Result;
        Assert.Equal(0, r.Glm!.SeparatedRows);
        Assert.DoesNotContain(r.Warnings, w => w.Code == WarningCodes.Separation);
    }

    [Fact]
    public void Logit_quasi_complete_separation_across_two_factors_is_dropped_named_and_the_rest_equals_glm()
    {
        // glm_binomial_separation.R: b1 occurs only with a1 and a2, every row of a1 or a2 outside b1 has
        // z = 0 (152 rows); no level is all 0 or all 1. R's glm without those rows on the model matrix
        // without bb3 (aliased once they are gone; R's own glm diverges there, not seeing the aliasing).
        FitResult r = FitPipeline.Run(new FitOptions
        {
            Formula = "z ~ a + b + x",
            Inputs = [Data("glm_binomial_separation.csv")],
            Family = GlmFamily.Binomial,
            Threads = 1,
        }).Result;
        Assert.True(r.Converged);
        Assert.Equal(152, r.Glm!.SeparatedRows);
        FitWarning warning = Assert.Single(r.Warnings, w => w.Code == WarningCodes.Separation);
        Assert.Contains("a = a1, b = b2", warning.Message, StringComparison.Ordinal);
        Assert.Contains("no single level is all 0 or all 1", warning.Message, StringComparison.Ordinal);
        Assert.Equal(Keel.CoefficientStatus.Aliased, r.Coefficients.Single(c => c.Name == "b[b3]").Status);
        CoefficientResult[] estimated = r.Coefficients.Where(c => c.Status == Keel.CoefficientStatus.Estimated).ToArray();
        Assert.Equal(["(Intercept)", "a[a2]", "a[a3]", "a[a4]", "b[b2]", "x"], estimated.Select(c => c.Name));
        Numeric.AssertClose([0.5159521930602643, -0.60573344250049144, -0.13472188976985447, -1.2067069965979633, 0.84303641629978054, 0.32573247724990212], estimated.Select(c => c.Estimate!.Value).ToArray(), 1e-8, what: "estimate");
        Numeric.AssertClose([0.30096629911988731, 0.347725053365536, 0.3082956795698033, 0.30893337066656779, 0.25388042954162149, 0.34602510004843801], estimated.Select(c => c.StdError!.Value).ToArray(), 1e-6, what: "std_error");
        Numeric.AssertClose(571.89415196596883, r.Glm.Deviance, 1e-8, what: "deviance");
    }
}
