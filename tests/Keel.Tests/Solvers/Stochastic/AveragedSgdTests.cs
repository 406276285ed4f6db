// Averaged SGD on cells: reproducibility by seed, convergence towards the QR solution, honesty.
//
// Oracle: the dense QR least-squares solution of the same design (DenseSolve). SGD's error falls
// like 1/steps (Bach & Moulines 2013), so the tolerances are loose and stated per case.
using Keel.Model;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Stochastic;
using Keel.Tests.Solvers.Penalized;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Stochastic;

public class AveragedSgdTests
{
    private static Design Design() => PenalizedTestData.DesignOf(PenalizedTestData.Csv(PenalizedTestData.Rows(31)));

    [Fact]
    public void Same_seed_same_bits_other_seed_other_path()
    {
        Design design = Design();
        var options = new SgdOptions { MaxEpochs = 20, Seed = 5 };
        double[] a = AveragedSgd.Solve(design, options).Coefficients;
        double[] b = AveragedSgd.Solve(design, options).Coefficients;
        double[] c = AveragedSgd.Solve(design, options with { Seed = 6 }).Coefficients;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void The_averaged_iterate_approaches_least_squares_and_the_gap_shrinks_with_epochs()
    {
        Design design = Design();
        double[] qr = DenseSolve.Solve(design).Coefficients;
        double Gap(int epochs) => AveragedSgd.Solve(design, new SgdOptions { MaxEpochs = epochs, Tolerance = 0 })
            .Coefficients.Zip(qr, (s, q) => Math.Abs(s - q)).Max();
        double early = Gap(20), late = Gap(2000);
        Assert.True(late < early / 5, $"gap after 20 epochs {early:G3}, after 2000 {late:G3}");
        Assert.True(late < 0.05, $"after 2000 epochs the averaged iterate is {late:G3} from QR");
    }

    [Fact]
    public void Stopping_early_is_reported_as_not_converged_with_its_gradient()
    {
        using var file = new TempCsv(PenalizedTestData.Csv(PenalizedTestData.Rows(32)));
        var outcome = FitPipeline.Run(new FitOptions
        {
            Formula = PenalizedTestData.Formula,
            Inputs = [file.Path],
            Solver = SolverChoice.Sgd,
            Sgd = new SgdOptions { MaxEpochs = 3 },
        });
        Assert.False(outcome.Result.Converged);
        Assert.Equal("sgd", outcome.Result.SolverName);
        Assert.Contains(outcome.Result.Warnings, w => w.Code == WarningCodes.NotConverged);
        Assert.StartsWith("EpochLimit after 3 epochs", outcome.Result.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loose_tolerance_is_met_and_reported_as_converged()
    {
        Design design = Design();
        SgdResult r = AveragedSgd.Solve(design, new SgdOptions { Tolerance = 1e-2, MaxEpochs = 5000 });
        Assert.Equal(SgdStop.Converged, r.Stop);
        Assert.True(r.RelativeGradient <= 1e-2);
    }
}
