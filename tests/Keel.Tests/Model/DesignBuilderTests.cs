using Keel.Compression;
using Keel.Model;
using Keel.Pipeline;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Model;

public class DesignBuilderTests
{
    private const string Data = "a,b,m,x,y\nx,p,1,0.5,1\ny,q,3,1.5,2\nz,p,2,2.0,3\nx,q,3,3.0,4\ny,p,1,1.0,5\n";

    private static Design Build(string formula, string csv = Data)
    {
        using var file = new TempCsv(csv);
        var options = new FitOptions { Formula = formula, Inputs = [file.Path] };
        Formula f = FormulaParser.Parse(formula);
        CellTable cells = FitPipeline.ReadCells(f, options, null, default);
        return DesignBuilder.Build(f, cells);
    }

    private static string[] Names(Design d) => d.Columns.Select(c => c.Name + (c.IsReference ? "*" : string.Empty)).ToArray();

    [Fact]
    public void Text_columns_are_treatment_coded_with_the_first_level_as_reference()
    {
        Design d = Build("y ~ a + x");
        Assert.Equal(new[] { "(Intercept)", "a[x]*", "a[y]", "a[z]", "x" }, Names(d));
        Assert.Equal(4, d.SolvedCount);
    }

    [Fact]
    public void Without_intercept_the_first_factor_keeps_all_levels_and_later_ones_drop_the_reference()
    {
        Design d = Build("y ~ 0 + a + b");
        Assert.Equal(new[] { "a[x]", "a[y]", "a[z]", "b[p]*", "b[q]" }, Names(d));
    }

    [Fact]
    public void Interaction_without_its_margin_codes_that_factor_with_all_levels()
    {
        // As R's model.matrix: in a + a:b, b's margin (a) is present, so b is contrast-coded,
        // while a's margin (b) is absent, so a keeps all its levels in a:b.
        Design d = Build("y ~ a + a:b");
        Assert.Equal(new[] { "(Intercept)", "a[x]*", "a[y]", "a[z]", "a[x]:b[q]", "a[y]:b[q]" }, Names(d));
    }

    [Fact]
    public void Numeric_column_made_categorical_sorts_numerically_and_honours_ref()
    {
        Design d = Build("y ~ C(m, ref=\"3\")");
        Assert.Equal(new[] { "(Intercept)", "C(m)[1]", "C(m)[2]", "C(m)[3]*" }, Names(d));
    }

    [Fact]
    public void Poly_expands_into_ascending_powers_and_factor_by_numeric_interactions_are_slopes()
    {
        Assert.Equal(new[] { "(Intercept)", "poly(x, 2, raw=TRUE)[1]", "poly(x, 2, raw=TRUE)[2]" }, Names(Build("y ~ poly(x, 2, raw=TRUE)")));
        Design d = Build("y ~ a*x");
        Assert.Equal(new[] { "(Intercept)", "a[x]*", "a[y]", "a[z]", "x", "a[x]:x*", "a[y]:x", "a[z]:x" }, Names(d));
    }

    [Fact]
    public void Slots_hold_level_columns_and_values_without_a_one_hot_matrix()
    {
        Design d = Build("y ~ a + x");
        // Cells are sorted by key (a, x): first cell is a=x, x=0.5 → slots: intercept, no a column (reference), x.
        Assert.Equal(3, d.SlotsPerCell);
        Assert.Equal(new[] { 0, -1, 3 }, d.SlotColumn[..3]);
        Assert.Equal(new[] { 1.0, 0.0, 0.5 }, d.SlotValue[..3]);
    }

    [Fact]
    public void Powers_are_rounded_once_from_double_double()
    {
        // 3^35 = 50031545098999707 needs 56 bits; rounding once gives the nearest double, which
        // repeated double multiplication need not.
        double exact = 50031545098999707.0;
        Assert.Equal(exact, ResolvedFactor.Power(3.0, 35).Hi);
    }
}
