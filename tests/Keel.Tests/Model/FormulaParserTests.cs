// Expansion and labels of valid formulas. Every expected list is written by hand from R's
// model-formula algebra (Chambers & Hastie 1992, ch. 2) in Keel's order: formula order after
// expansion, a*b*c as main effects, then two-way, then three-way interactions (docs/formula.md).
using Keel.Model;

namespace Keel.Tests.Model;

public class FormulaParserTests
{
    private static string[] Labels(string formula) =>
        FormulaParser.Parse(formula).Terms.Select(term => term.Label).ToArray();

    [Fact]
    public void Main_effects_keep_the_written_order()
    {
        Formula formula = FormulaParser.Parse("y ~ b + a + x");
        Assert.Equal(new Response("y", Log: false), formula.Response);
        Assert.True(formula.HasIntercept);
        Assert.Equal(["b", "a", "x"], formula.Terms.Select(term => term.Label));
        Assert.All(formula.Terms, term => Assert.IsType<VariableFactor>(Assert.Single(term.Factors)));
    }

    [Theory]
    [InlineData("y ~ a*b", new[] { "a", "b", "a:b" })]
    [InlineData("y ~ a*b*c", new[] { "a", "b", "c", "a:b", "a:c", "b:c", "a:b:c" })]
    [InlineData("y ~ (a + b):c", new[] { "a:c", "b:c" })]
    [InlineData("y ~ (a + b)*c", new[] { "a", "b", "c", "a:c", "b:c" })]
    [InlineData("y ~ (a + b):(c + d)", new[] { "a:c", "a:d", "b:c", "b:d" })]
    [InlineData("y ~ a:b:c", new[] { "a:b:c" })]
    [InlineData("y ~ ((a + b)):c", new[] { "a:c", "b:c" })]
    public void Star_colon_and_parentheses_expand_as_in_R_in_formula_order(string text, string[] expected)
    {
        Assert.Equal(expected, Labels(text));
    }

    [Fact]
    public void Colon_binds_tighter_than_star()
    {
        // a*b:c is a*(b:c), not (a*b):c.
        Assert.Equal(["a", "b:c", "a:b:c"], Labels("y ~ a*b:c"));
    }

    [Theory]
    [InlineData("y ~ a:b + c", new[] { "a:b", "c" })]
    [InlineData("y ~ a*b + c", new[] { "a", "b", "a:b", "c" })]
    [InlineData("y ~ c + a*b", new[] { "c", "a", "b", "a:b" })]
    public void Terms_are_not_reordered_by_degree(string text, string[] expected)
    {
        Assert.Equal(expected, Labels(text));
    }

    [Fact]
    public void Duplicate_terms_keep_the_first_occurrence_and_its_written_order()
    {
        Assert.Equal(["a", "b", "b:a"], Labels("y ~ a + b + a + b:a + a:b"));
    }

    [Fact]
    public void A_factor_interacted_with_itself_is_the_factor()
    {
        Assert.Equal(["a"], Labels("y ~ a:a + a"));
        // (a + b):(a + c): a:a is a, and b:a is kept in the order written.
        Assert.Equal(["a", "a:c", "b:a", "b:c"], Labels("y ~ (a + b):(a + c)"));
    }

    [Theory]
    [InlineData("y ~ a*b - a", new[] { "b", "a:b" })]
    [InlineData("y ~ a*b - b:a", new[] { "a", "b" })]
    [InlineData("y ~ a - c", new[] { "a" })]
    [InlineData("y ~ a - a + a", new[] { "a" })]
    [InlineData("y ~ a + b - a", new[] { "b" })]
    [InlineData("y ~ a*b*c - (a:b + c)", new[] { "a", "b", "a:c", "b:c", "a:b:c" })]
    [InlineData("y ~ -a + b", new[] { "b" })]
    [InlineData("y ~ +a", new[] { "a" })]
    public void Minus_removes_terms_left_to_right(string text, string[] expected)
    {
        Assert.Equal(expected, Labels(text));
    }

    [Theory]
    [InlineData("y ~ x", true)]
    [InlineData("y ~ 1 + x", true)]
    [InlineData("y ~ 0 + x", false)]
    [InlineData("y ~ x + 0", false)]
    [InlineData("y ~ x - 1", false)]
    [InlineData("y ~ -1 + x", false)]
    [InlineData("y ~ x - 1 + 1", true)]
    [InlineData("y ~ 0 + x + 1", true)]
    [InlineData("y ~ x - 0", true)]
    [InlineData("y ~ (x - 1)", false)]
    public void Intercept_follows_the_last_0_or_1_summand(string text, bool hasIntercept)
    {
        Formula formula = FormulaParser.Parse(text);
        Assert.Equal(hasIntercept, formula.HasIntercept);
        Assert.Equal(["x"], formula.Terms.Select(term => term.Label));
    }

    [Theory]
    [InlineData("y ~ 1")]
    [InlineData("y ~ a - a")]
    public void Intercept_only_model_has_no_terms(string text)
    {
        Formula formula = FormulaParser.Parse(text);
        Assert.True(formula.HasIntercept);
        Assert.Empty(formula.Terms);
    }

    [Fact]
    public void Log_response_is_marked_and_labelled()
    {
        Formula formula = FormulaParser.Parse("log(y) ~ x");
        Assert.Equal(new Response("y", Log: true), formula.Response);
        Assert.Equal("log(y)", formula.Response.Label);
        Assert.Equal("y", FormulaParser.Parse("y ~ x").Response.Label);
    }

    [Fact]
    public void Function_factors_carry_their_column_and_argument_and_normalised_label()
    {
        Formula formula = FormulaParser.Parse("y ~ C(code) + log(x) + I(x^2) + poly(x, 3, raw=TRUE)");
        Factor[] factors = formula.Terms.Select(term => Assert.Single(term.Factors)).ToArray();
        Assert.Equal(
            [new CategoricalFactor("code", null), new LogFactor("x"), new PowerFactor("x", 2), new PolyFactor("x", 3)],
            factors);
        Assert.Equal(["C(code)", "log(x)", "I(x^2)", "poly(x, 3, raw=TRUE)"], factors.Select(factor => factor.Label));
    }

    [Theory]
    [InlineData("y ~ I( x ^ 2 )", "I(x^2)")]
    [InlineData("y ~ I(x**2)", "I(x^2)")]
    [InlineData("y ~ I(x^1)", "I(x^1)")]
    [InlineData("y ~ poly( x,3,raw = T )", "poly(x, 3, raw=TRUE)")]
    [InlineData("y ~ poly(x, degree=2, raw=TRUE)", "poly(x, 2, raw=TRUE)")]
    [InlineData("y ~ poly(x, raw=TRUE, degree=4)", "poly(x, 4, raw=TRUE)")]
    [InlineData("y ~ poly(x, raw=True, 5)", "poly(x, 5, raw=TRUE)")]
    [InlineData("y ~ C( code , ref = \"7\" )", "C(code)")]
    public void Labels_are_normalised_whatever_the_spacing_and_spelling(string text, string label)
    {
        Assert.Equal([label], Labels(text));
    }

    [Theory]
    [InlineData("C(code, ref=\"7\")", "7")]
    [InlineData("C(code, ref='7')", "7")]
    [InlineData("C(code, ref=7)", "7")]
    [InlineData("C(code, ref=7.0)", "7")]
    [InlineData("C(code, ref=2.50)", "2.5")]
    [InlineData("C(code, ref=-3)", "-3")]
    [InlineData("C(code, ref=-0)", "0")]
    [InlineData("C(code, ref=1e3)", "1000")]
    [InlineData("C(code, ref=\"07\")", "07")]
    [InlineData("C(code, ref=\"a \\\"b\\\"\")", "a \"b\"")]
    [InlineData("C(code, ref=\"\")", "")]
    public void Reference_level_is_verbatim_when_quoted_and_shortest_round_trip_when_a_number(string term, string level)
    {
        Factor factor = Assert.Single(Assert.Single(FormulaParser.Parse("y ~ " + term).Terms).Factors);
        Assert.Equal(new CategoricalFactor("code", level), factor);
        Assert.Equal("C(code)", factor.Label);
    }

    [Fact]
    public void Reference_level_applies_to_every_C_of_its_column()
    {
        Formula formula = FormulaParser.Parse("y ~ C(g):x + C(g, ref=\"b\") + C(g)");
        var expected = new CategoricalFactor("g", "b");
        Assert.Equal(["C(g):x", "C(g)"], formula.Terms.Select(term => term.Label));
        Assert.Equal(expected, formula.Terms[0].Factors[0]);
        Assert.Equal(expected, formula.Terms[1].Factors[0]);
    }

    [Fact]
    public void Backtick_names_are_single_columns_and_labels_quote_them_again()
    {
        Formula formula = FormulaParser.Parse("`my y` ~ `my col` + `a:b` + `a\\`b` + `x`");
        Assert.Equal("my y", formula.Response.Column);
        Assert.Equal(["my col", "a:b", "a`b", "x"], formula.Terms.Select(term => term.Factors.Single().Column));
        Assert.Equal(["`my col`", "`a:b`", "`a\\`b`", "x"], formula.Terms.Select(term => term.Label));
        Assert.Equal("log(`my y`)", FormulaParser.Parse("log(`my y`) ~ a").Response.Label);
    }

    [Fact]
    public void Plain_names_may_contain_dots_and_underscores()
    {
        Assert.Equal([".x", "x.1", "_z", "x_2.b"], Labels("y ~ .x + x.1 + _z + x_2.b"));
    }

    [Fact]
    public void Whitespace_anywhere_does_not_change_the_formula()
    {
        string[] expected = ["a", "b", "a:b", "I(x^2)"];
        Assert.Equal(expected, Labels("y~a*b+I(x^2)"));
        Assert.Equal(expected, Labels("  y \t~\r\n a * b +\u00A0I ( x ^ 2 )  "));
    }

    [Fact]
    public void A_column_and_its_C_are_different_terms()
    {
        Assert.Equal(["x", "C(x)"], Labels("y ~ x + C(x)"));
        Assert.NotEqual<Factor>(new VariableFactor("x"), new CategoricalFactor("x", null));
    }

    [Fact]
    public void Term_equality_ignores_factor_order()
    {
        var a = new VariableFactor("a");
        var b = new VariableFactor("b");
        var c = new VariableFactor("c");
        Assert.Equal(new Term([a, b]), new Term([b, a]));
        Assert.Equal(new Term([a, b]).GetHashCode(), new Term([b, a]).GetHashCode());
        Assert.NotEqual(new Term([a, b]), new Term([a, c]));
        Assert.NotEqual(new Term([a]), new Term([a, b]));
        Assert.NotEqual(new Term([a, a]), new Term([a, b]));
        Assert.NotEqual(new Term([a, b]), new Term([a, a]));
        Assert.Equal("b:a", new Term([b, a]).Label);
    }

    [Theory]
    [InlineData("y ~ a*b - 1", "y ~ 0 + a + b + a:b")]
    [InlineData("y ~ 1", "y ~ 1")]
    [InlineData("log(y) ~ (a + b):C(g, ref=7)", "log(y) ~ a:C(g, ref=\"7\") + b:C(g, ref=\"7\")")]
    [InlineData("y ~ `my col` * poly(x, 2, raw=T)", "y ~ `my col` + poly(x, 2, raw=TRUE) + `my col`:poly(x, 2, raw=TRUE)")]
    public void Canonical_text_is_the_expanded_formula(string text, string canonical)
    {
        Assert.Equal(canonical, FormulaParser.Parse(text).Canonical);
    }

    [Theory]
    [InlineData("y ~ a*b*c - a:b - 1")]
    [InlineData("log(`y 2`) ~ C(g, ref=\"x \\\"q\\\"\"):log(x) + I(z^3) + poly(w, 4, raw=TRUE)")]
    [InlineData("y ~ 1")]
    public void Parsing_the_canonical_text_gives_the_same_formula(string text)
    {
        Formula formula = FormulaParser.Parse(text);
        Formula reparsed = FormulaParser.Parse(formula.Canonical);
        Assert.Equal(formula.Response, reparsed.Response);
        Assert.Equal(formula.HasIntercept, reparsed.HasIntercept);
        Assert.Equal(formula.Terms, reparsed.Terms);
        Assert.Equal(formula.Terms.Select(term => term.Label), reparsed.Terms.Select(term => term.Label));
    }

    [Fact]
    public void Text_is_kept_as_written_and_regressor_columns_are_listed_once_in_order()
    {
        const string text = " y ~ a*log(x) + C(a) ";
        Formula formula = FormulaParser.Parse(text);
        Assert.Equal(text, formula.Text);
        Assert.Equal(["a", "x"], formula.RegressorColumns);
    }
}
