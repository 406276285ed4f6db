using System.Globalization;
using System.Text;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Rows;

/// <summary>
/// The row path's exact rank decision past the old 2,500-level limit (issue 18): a covariate next to
/// three factors of 6,000 / 3,000 / 400 levels, the last a function of the second (c = 7·b mod 400),
/// 3,398 further levels after absorbing a. FullRankCertificate cannot hold (the design is deficient), so
/// FactorRank's Schur decision runs; by construction exactly c's 399 non-reference levels are aliased.
/// The covariate's estimate must equal the cell path's (LSMR with the absorbed-factor preconditioner,
/// a different algorithm on the same design) to 1e-8 relative: the covariate is well conditioned
/// against the factors (x is independent noise), so both solves keep about 12 digits.
/// </summary>
[Trait("Category", "Slow")]
public class RowPathLargeRankTests
{
    [Fact]
    public void A_factor_determined_by_another_is_aliased_level_by_level_past_the_old_limit()
    {
        var rng = new Random(1818);
        var csv = new StringBuilder("y,x,a,b,c\n");
        for (int i = 0; i < 120_000; i++)
        {
            int a = i < 6000 ? i : rng.Next(6000);
            int b = i < 3000 ? i : rng.Next(3000);
            int c = 7 * b % 400;
            double x = Math.Round(rng.NextDouble() * 2 - 1, 6);
            double y = (0.4 * x) + (0.001 * a) - (0.002 * b) + rng.NextDouble();
            csv.Append(CultureInfo.InvariantCulture, $"{Math.Round(y, 6):R},{x:R},a{a},b{b},c{c}\n");
        }

        string text = csv.ToString();
        FitResult rows = CsvFit.Run(text, new FitOptions { Formula = "y ~ x + a + b + c", Inputs = [], Threads = 2 }).Result;
        FitResult cells = CsvFit.Run(text, new FitOptions { Formula = "y ~ x + a + b + c", Inputs = [], Solver = SolverChoice.Lsmr, IterativeTolerance = 1e-14 }).Result;
        Assert.Equal("within", rows.SolverName);
        Assert.DoesNotContain(rows.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
        var aliased = rows.Coefficients.Where(c => c.Status == CoefficientStatus.Aliased).ToList();
        Assert.Equal(399, aliased.Count);
        Assert.All(aliased, c => Assert.Equal("c", c.Term));
        Assert.Equal(cells.Rank, rows.Rank);
        double xRows = rows.Coefficients.Single(c => c.Name == "x").Estimate!.Value;
        double xCells = cells.Coefficients.Single(c => c.Name == "x").Estimate!.Value;
        Numeric.AssertClose(xCells, xRows, 1e-8, what: "x, row path vs cell path");
    }
}
