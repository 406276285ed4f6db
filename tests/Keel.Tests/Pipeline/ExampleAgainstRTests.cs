using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Pipeline;

/// <summary>
/// The bundled example against R 4.2 (Debian r-base-core), computed on this repository's
/// examples/sales.csv by example_reference.R beside this file (it prints every number below) with:
///   m &lt;- lm(log(revenue) ~ region + city + product + factor(month) + discount, data = d)
///   summary(m); anova(m, lm(log(revenue) ~ interaction(city, product, month, discount, drop = TRUE)))
/// R keeps the regions and aliases cities (its pivoting keeps the earlier term); Keel aliases the
/// regions (the coarser factor), so only quantities invariant to that choice are compared.
/// Tolerance: both sides solve a problem with scaled condition number below 200 by QR, so each is
/// within about 200·u·(a small constant) of the truth; 1e-12 relative leaves a wide margin.
/// </summary>
public class ExampleAgainstRTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Fit_statistics_match_R_lm_and_anova()
    {
        string example = Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");
        FitResult r = FitPipeline.Run(new FitOptions
        {
            Formula = "log(revenue) ~ region + city + product + C(month) + discount",
            Inputs = [example],
        }).Result;

        Numeric.AssertClose(0.24953800597062942, r.Sigma!.Value, Tolerance, what: "sigma");
        Numeric.AssertClose(0.83301664861117841, r.RSquared!.Value, Tolerance, what: "R²");
        Numeric.AssertClose(0.83251416598500216, r.AdjRSquared!.Value, Tolerance, what: "adjusted R²");
        Numeric.AssertClose(1657.8018924755902, r.ModelF!.F, Tolerance, what: "F");
        Assert.Equal(60, r.ModelF.Df1);
        Assert.Equal(19939, r.ModelF.Df2);
        Numeric.AssertClose(1.0073813224195158, r.LackOfFit!.F, Tolerance, what: "lack-of-fit F");
        Assert.Equal(1104, r.LackOfFit.Df1);
        Assert.Equal(18835, r.LackOfFit.Df2);
        CoefficientResult discount = r.Coefficients.Single(c => c.Name == "discount");
        Numeric.AssertClose(-0.80175935149413091, discount.Estimate!.Value, Tolerance, what: "discount");
        Numeric.AssertClose(0.023466612569420373, discount.StdError!.Value, Tolerance, what: "se(discount)");
    }
}
