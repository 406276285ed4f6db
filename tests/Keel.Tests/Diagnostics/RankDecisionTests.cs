using Keel.Compression;
using Keel.Diagnostics;
using Keel.Model;
using Keel.Pipeline;
using Keel.Solvers;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Diagnostics;

/// <summary>
/// The diagnose stage (RankDecision): its two methods, the dense rank-revealing QR and the large
/// design's absorbed Gram matrix, decide the same aliasing on a design both can take, with the
/// dependency known in closed form; and the solve that follows keeps the decision.
/// </summary>
public class RankDecisionTests
{
    // 30 cities, ten per region (city C07 lies in region R0), 5 products, a continuous x: region is
    // nested in city, so with city in the model region[R1] = Σ city[C10..C19] and likewise R2 (the
    // reference levels R0 and C00 both in region R0): exactly 2 aliased columns, every coefficient 1.
    private static Design NestedDesign()
    {
        var rng = new Random(17);
        var lines = new List<string> { "region,city,product,x,y" };
        for (int i = 0; i < 900; i++)
        {
            int city = i % 30;
            lines.Add($"R{city / 10},C{city:D2},P{rng.Next(5)},{rng.NextDouble():R},{rng.NextDouble() * 10:R}");
        }

        using var file = new TempCsv(string.Join('\n', lines) + "\n");
        const string formula = "y ~ region + city + product + x";
        Formula f = FormulaParser.Parse(formula);
        CellTable cells = FitPipeline.ReadCells(f, new FitOptions { Formula = formula, Inputs = [file.Path] }, null, default);
        return DesignBuilder.Build(f, cells);
    }

    private static int Solved(Design design, string name) => design.SolvedOfColumn[Array.FindIndex(design.Columns, c => c.Name == name)];

    [Fact]
    public void Dense_QR_and_absorbed_Gram_decide_the_same_aliasing_with_the_closed_form_dependencies()
    {
        Design design = NestedDesign();
        RankDecision dense = DenseSolve.Factor(design).Rank;
        RankDecision large = RankDecision.ForLargeDesign(design, threads: 1);
        Assert.NotNull(large.Gram); // the Gram method decided, not the fallback
        Assert.True(dense.Exact && large.Exact);
        Assert.Equal(dense.Aliased, large.Aliased);
        Assert.Equal(2, dense.Aliased.Count(a => a));

        foreach (int region in new[] { 1, 2 })
        {
            int column = Solved(design, $"region[R{region}]");
            Assert.True(dense.Aliased[column]);
            int[] cities = Enumerable.Range(region * 10, 10).Select(c => Solved(design, $"city[C{c:D2}]")).Order().ToArray();
            foreach (RankDecision decision in new[] { dense, large })
            {
                var dependency = decision.Dependencies[column];
                Assert.Equal(cities, dependency.Select(t => t.Column).ToArray());
                // Exactly 1 in exact arithmetic; both methods refine or solve in floating point on a
                // design of condition about 10, so 1e-12 leaves a margin of 100 over their rounding.
                Numeric.AssertClose(Enumerable.Repeat(1.0, 10).ToArray(), dependency.Select(t => t.Coefficient).ToArray(), 1e-12);
            }
        }
    }

    [Fact]
    public void The_solve_keeps_the_decision_it_is_given()
    {
        Design design = NestedDesign();
        RankDecision decision = RankDecision.ForLargeDesign(design, threads: 1);
        LeastSquaresSolution iterative = IterativeSolve.Solve(design, decision, new FitOptions { Formula = "y ~ 1", Inputs = [] }.Iterative, default);
        LeastSquaresSolution dense = DenseSolve.Solve(DenseSolve.Factor(design));
        for (int j = 0; j < design.SolvedCount; j++)
        {
            Assert.Equal(decision.Aliased[j], iterative.Aliased[j]);
            Assert.Equal(decision.Aliased[j], double.IsNaN(iterative.Coefficients[j]));
            Assert.Equal(decision.Aliased[j], double.IsNaN(dense.Coefficients[j]));
        }

        // The identified coefficients agree between the paths (the LSMR tolerance bounds the gap).
        for (int j = 0; j < design.SolvedCount; j++)
        {
            if (!decision.Aliased[j])
            {
                Numeric.AssertClose(dense.Coefficients[j], iterative.Coefficients[j], 1e-6, 1e-8);
            }
        }
    }
}
