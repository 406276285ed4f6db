using System.Globalization;
using System.Text;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Diagnostics;

/// <summary>
/// The cell path beyond the dense Schur limit (issue 18): with an intercept and three factors whose
/// further levels exceed AbsorbedGram.MaxSchurColumns, FullRankCertificate decides from the cells. The
/// certificate is a proof (its own tests check it against exact integer rank), so where it holds the
/// result claims full rank with no ALIASING_UNCHECKED; where a factor is a function of another (truly
/// rank-deficient) it cannot hold, and the result still says ALIASING_UNCHECKED rather than claim a rank.
/// </summary>
public class CellPathCertificateTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Three_factors_past_the_dense_limit_are_proved_full_rank_or_left_unchecked(bool cIsAFunctionOfB)
    {
        // a: 8,000 levels of 8 rows, b: 4,100 levels, c: 3 levels: 4,101 further levels after absorbing a.
        var rng = new Random(18);
        var csv = new StringBuilder("y,a,b,c\n");
        for (int i = 0; i < 64_000; i++)
        {
            int a = i / 8;
            int b = i < 4100 ? i : rng.Next(4100);
            int c = cIsAFunctionOfB ? b % 3 : rng.Next(3);
            csv.Append(CultureInfo.InvariantCulture, $"{Math.Round(rng.NextDouble(), 4):R},a{a},b{b},c{c}\n");
        }

        // --solver lsmr: the cells (with --solver auto, factors alone over rows this distinct take the row path).
        FitResult r = CsvFit.Run(csv.ToString(), new FitOptions { Formula = "y ~ a + b + c", Inputs = [], Threads = 2, Solver = Keel.Solvers.SolverChoice.Lsmr }).Result;
        Assert.Equal("lsmr", r.SolverName);
        Assert.True(r.Parameters - 1 - 7999 > Keel.Absorption.AbsorbedGram.MaxSchurColumns, "the design must be past the dense limit");
        if (cIsAFunctionOfB)
        {
            Assert.Contains(r.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
            Assert.DoesNotContain("FullRankCertificate", r.SolverReason, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain(r.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
            Assert.Equal(r.Parameters, r.Rank);
            Assert.DoesNotContain(r.Coefficients, c => c.Status == CoefficientStatus.Aliased);
            Assert.Contains("FullRankCertificate", r.SolverReason, StringComparison.Ordinal);
        }
    }
}
