using System.Globalization;
using System.Text;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Results;

public class CellShrinkageTests
{
    private static FitOutcome Fit(string csv) => CsvFit.Run(csv, new FitOptions { Formula = "y ~ a + b", Inputs = [], Solver = SolverChoice.Qr, Threads = 1 });

    // a × b cells with row counts varying by cell; an interaction of size `bump` in cell (a0, b0).
    private static string Data(double bump, int seed)
    {
        var rng = new Random(seed);
        var csv = new StringBuilder("a,b,y\n");
        for (int a = 0; a < 4; a++)
        {
            for (int b = 0; b < 4; b++)
            {
                int rows = 1 + ((a + (2 * b)) % 6);
                for (int i = 0; i < rows; i++)
                {
                    double y = a - b + (a == 0 && b == 0 ? bump : 0) + (a == 3 && b == 1 ? -bump : 0) + (0.1 * (rng.NextDouble() - 0.5));
                    csv.Append(CultureInfo.InvariantCulture, $"a{a},b{b},{y:R}\n");
                }
            }
        }

        return csv.ToString();
    }

    [Fact]
    public void Without_interaction_the_shrunk_values_are_nearly_the_fitted_ones()
    {
        FitOutcome o = Fit(Data(0, 1));
        double[] shrunk = CellShrinkage.Shrunk(o.Design!, o.Solution!, o.FittedByCell!, out double tau2, out double sigma2)!;
        Assert.True(tau2 < 0.1 * sigma2, $"tau² = {tau2}, sigma² = {sigma2}");
        for (int c = 0; c < shrunk.Length; c++)
        {
            double gap = Math.Abs(o.Design!.CellMean[c] - o.FittedByCell![c]);
            Assert.True(Math.Abs(shrunk[c] - o.FittedByCell[c]) <= 0.5 * gap + 1e-15);
        }
    }

    [Fact]
    public void With_an_interaction_each_cell_lies_between_its_fit_and_its_mean_and_more_rows_pull_toward_the_mean()
    {
        FitOutcome o = Fit(Data(3, 2));
        double[] shrunk = CellShrinkage.Shrunk(o.Design!, o.Solution!, o.FittedByCell!, out double tau2, out double sigma2)!;
        Assert.True(tau2 > sigma2);
        var share = new double[shrunk.Length];
        for (int c = 0; c < shrunk.Length; c++)
        {
            double lo = Math.Min(o.Design!.CellMean[c], o.FittedByCell![c]), hi = Math.Max(o.Design!.CellMean[c], o.FittedByCell[c]);
            Assert.InRange(shrunk[c], lo - 1e-12, hi + 1e-12);
            // k_c = tau²·w/(tau²·w + sigma²) grows with the cell's weight.
            share[c] = tau2 * o.Design!.CellWeight[c] / ((tau2 * o.Design!.CellWeight[c]) + sigma2);
            Numeric.AssertClose(o.FittedByCell[c] + (share[c] * (o.Design!.CellMean[c] - o.FittedByCell[c])), shrunk[c], 1e-14, 1e-14, "shrunk");
        }

        var byWeight = Enumerable.Range(0, shrunk.Length).OrderBy(c => o.Design!.CellWeight[c]).Select(c => share[c]).ToList();
        Assert.Equal(byWeight.OrderBy(k => k), byWeight);
    }
}
