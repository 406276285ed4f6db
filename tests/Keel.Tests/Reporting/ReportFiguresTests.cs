using System.Globalization;
using Keel.Pipeline;
using Keel.Reporting;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Reporting;

public class ReportFiguresTests
{
    private static FitOutcome Fit(SolverChoice solver)
    {
        var rng = new Random(3);
        var csv = new System.Text.StringBuilder("g,h,x,y\n");
        for (int i = 0; i < 300; i++)
        {
            int g = rng.Next(8), h = rng.Next(5);
            double x = rng.Next(10);
            csv.Append(CultureInfo.InvariantCulture, $"G{g},H{h},{x},{g - h + (0.5 * x) + rng.NextDouble():R}\n");
        }

        using var file = new TempCsv(csv.ToString());
        return FitPipeline.Run(new FitOptions { Formula = "y ~ g + h + x", Inputs = [file.Path], Solver = solver, Threads = 1 });
    }

    [Fact]
    public void An_iterative_fit_shows_its_convergence_and_a_dense_fit_its_condition_indexes()
    {
        FitOutcome lsmr = Fit(SolverChoice.Lsmr);
        var titles = HtmlReport.Figures(new ReportInput(lsmr.Result, lsmr.Design!, lsmr.Solution, lsmr.FittedByCell)).Select(f => f.Title).ToList();
        Assert.Contains("Solver convergence", titles);
        Assert.DoesNotContain("Scaled singular values", titles);

        FitOutcome qr = Fit(SolverChoice.Qr);
        titles = HtmlReport.Figures(new ReportInput(qr.Result, qr.Design!, qr.Solution, qr.FittedByCell)).Select(f => f.Title).ToList();
        Assert.Contains("Scaled singular values", titles);
        Assert.DoesNotContain("Solver convergence", titles);
        Assert.Equal(["Coefficients: g", "Coefficients: h", "Coefficients: continuous terms", "Scaled singular values", "Residuals vs fitted", "Counts: g", "Counts: h"], titles);
    }

    [Fact]
    public void The_t_quantile_matches_R()
    {
        // R: qt(0.975, c(1, 10, 1e6)) (report_reference.R beside this file prints them).
        Numeric.AssertClose(12.706204736174694, ReportPlots.StudentQuantile975(1), 1e-9);
        Numeric.AssertClose(2.2281388519862739, ReportPlots.StudentQuantile975(10), 1e-9);
        Numeric.AssertClose(1.9599663568141066, ReportPlots.StudentQuantile975(1e6), 1e-9);

        // R: qnorm(0.975) printed with %.17g: the constant behind the likelihood fits' intervals.
        Assert.Equal(1.9599639845400536, ReportPlots.NormalQuantile975);
    }
}
