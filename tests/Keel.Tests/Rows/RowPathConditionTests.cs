using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Rows;

/// <summary>
/// The row path's condition estimate (issue 18): Lanczos on the column-scaled Gram matrix through the
/// rows (Solvers/FixedEffects/RowDesignOperator), reported as a lower bound. Property: it never exceeds
/// the exact scaled condition number of the same kept design (a Ritz value never exceeds the eigenvalue
/// it approximates; 1e-9 allows the two computations' rounding) and on these designs stays within a
/// factor 2 of it. The exact value is the dense path's one-sided Jacobi SVD of R on the dummy design
/// (--solver qr), itself tested against numpy (Diagnostics tests).
/// </summary>
public class RowPathConditionTests
{
    [Theory]
    [InlineData("y ~ x1 + x2 + a + C(b) + C(c)", false)]
    [InlineData("y ~ x1 + x2 + a + C(b)", true)]
    public void The_estimate_is_a_lower_bound_within_2x_of_the_exact_value(string formula, bool disconnected)
    {
        using var data = new TempCsv(RowPathData.Csv(3000, seed: 21, disconnected));
        FitResult rows = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], Threads = 2 }).Result;
        FitResult qr = FitPipeline.Run(new FitOptions { Formula = formula, Inputs = [data.Path], Solver = SolverChoice.Qr }).Result;
        Assert.Equal("within", rows.SolverName);
        Assert.StartsWith("exact", qr.ConditionMethod, StringComparison.Ordinal);
        Assert.StartsWith("estimate, a lower bound only", rows.ConditionMethod, StringComparison.Ordinal);
        double exact = qr.ConditionNumber!.Value;
        double estimate = rows.ConditionNumber!.Value;
        Assert.True(estimate <= exact * (1 + 1e-9), $"estimate {estimate} above the exact {exact}");
        Assert.True(estimate >= exact / 2, $"estimate {estimate} more than 2x below the exact {exact}");
    }

    [Fact]
    public void Keel_diagnose_takes_the_row_path_and_reports_statuses_rank_and_conditioning_without_estimates()
    {
        using var data = new TempCsv(RowPathData.Csv(3000, seed: 22));
        FitResult diagnosed = FitPipeline.Run(new FitOptions { Formula = "y ~ x1 + x2 | a + b + c", Inputs = [data.Path], DiagnoseOnly = true }).Result;
        FitResult fitted = FitPipeline.Run(new FitOptions { Formula = "y ~ x1 + x2 | a + b + c", Inputs = [data.Path] }).Result;
        Assert.Equal("within", diagnosed.SolverName);
        Assert.All(diagnosed.Coefficients.Where(c => c.Status != CoefficientStatus.Reference), c => Assert.Null(c.Estimate));
        Assert.Equal(fitted.Rank, diagnosed.Rank);
        Assert.Equal(fitted.Coefficients.Select(c => c.Status), diagnosed.Coefficients.Select(c => c.Status));
        Assert.Equal(fitted.ConditionNumber, diagnosed.ConditionNumber);
        Assert.DoesNotContain(diagnosed.Warnings, w => w.Code == WarningCodes.AliasingUnchecked);
    }
}
