using Keel.Compression;
using Keel.Diagnostics;
using Keel.Model;
using Keel.Pipeline;
using Keel.Tests.TestSupport;
using Keel.Absorption;

namespace Keel.Tests.Diagnostics;

public class TwoFactorGraphTests
{
    private static Design Build(string csv, string formula)
    {
        using var file = new TempCsv(csv);
        Formula f = FormulaParser.Parse(formula);
        CellTable cells = FitPipeline.ReadCells(f, new FitOptions { Formula = formula, Inputs = [file.Path] }, null, default);
        return DesignBuilder.Build(f, cells);
    }

    // Random bipartite data in three disconnected blocks of (A, B) levels, so two extra dependencies.
    private static string BlockData(int seed)
    {
        var rng = new Random(seed);
        var lines = new List<string> { "a,b,y" };
        for (int i = 0; i < 400; i++)
        {
            int block = rng.Next(3);
            string a = $"a{(block * 10) + rng.Next(7):D2}";
            string b = $"b{(block * 10) + rng.Next(4):D2}";
            lines.Add($"{a},{b},{rng.Next(100)}");
        }

        return string.Join('\n', lines) + "\n";
    }

    [Fact]
    public void Graph_components_give_the_same_aliasing_and_dependencies_as_the_absorbed_Gram_decision()
    {
        Design design = Build(BlockData(5), "y ~ a + b");
        var graph = TwoFactorGraph.TryCreate(design);
        AbsorbedGram? gram = AbsorbedGram.TryCreate(design);
        Assert.NotNull(graph);
        Assert.NotNull(gram);
        Assert.Equal(gram.Aliased, graph.Value.Aliased);
        Assert.Equal(2, graph.Value.Aliased.Count(x => x));
        foreach ((int column, var expected) in gram.Dependencies)
        {
            var actual = graph.Value.Dependencies[column];
            Assert.Equal(expected.Select(t => t.Column), actual.Select(t => t.Column));
            // The Gram route solves for the coefficients in floating point; the graph states them exactly (±1).
            Numeric.AssertClose(expected.Select(t => t.Coefficient).ToArray(), actual.Select(t => t.Coefficient).ToArray(), 1e-9, 1e-9);
        }
    }

    [Fact]
    public void Other_designs_are_left_to_the_general_method()
    {
        Assert.Null(TwoFactorGraph.TryCreate(Build("a,b,x,y\na1,b1,1,2\na2,b2,2,3\n", "y ~ a + b + x")));
        Assert.Null(TwoFactorGraph.TryCreate(Build("a,b,y\na1,b1,2\na2,b2,3\n", "y ~ 0 + a + b")));
    }
}
