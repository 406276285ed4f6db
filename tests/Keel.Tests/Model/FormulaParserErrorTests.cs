// Every error is a KeelInputException with one line: formula "TEXT", column N: PROBLEM, where N
// is the 1-based column of the offending character. Columns below are counted by hand.
using Keel.Model;

namespace Keel.Tests.Model;

public class FormulaParserErrorTests
{
    private static void AssertError(string text, int column, string problem)
    {
        KeelInputException error = Assert.Throws<KeelInputException>(() => FormulaParser.Parse(text));
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        Assert.StartsWith($"formula \"", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\", column {column}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_names_formula_column_and_problem_on_one_line()
    {
        KeelInputException error = Assert.Throws<KeelInputException>(() => FormulaParser.Parse("y ~ a + + b"));
        Assert.Equal("formula \"y ~ a + + b\", column 9: expected a term after '+'", error.Message);
    }

    [Theory]
    [InlineData("", 1, "the formula is empty")]
    [InlineData("   ", 4, "the formula is empty")]
    [InlineData("y a + b", 3, "expected '~' after the response, found 'a'")]
    [InlineData("y", 2, "expected '~' after the response, found the end of the formula")]
    [InlineData("a + b", 3, "expected '~' after the response, found '+'")]
    [InlineData("~ a", 1, "missing the response before '~'")]
    [InlineData("y ~", 4, "expected a term after '~'")]
    [InlineData("y ~ a +", 8, "expected a term after '+'")]
    [InlineData("y ~ a -", 8, "expected a term after '-'")]
    [InlineData("y ~ a * ", 9, "expected a term after '*'")]
    [InlineData("y ~ a:", 7, "expected a term after ':'")]
    [InlineData("1 ~ a", 1, "the response must be a column or log(column)")]
    [InlineData("exp(y) ~ a", 1, "the response must be a column or log(column)")]
    [InlineData("y ~ a ~ b", 7, "a formula has only one '~'")]
    public void Missing_tilde_and_empty_sides_are_reported_where_they_are(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Theory]
    [InlineData("y ~ (a + b", 11, "missing ')' to close the '(' at column 5")]
    [InlineData("y ~ a + b)", 10, "')' has no matching '('")]
    [InlineData("y ~ ()", 6, "expected a term after '('")]
    [InlineData("y ~ (a b)", 8, "expected '+', '-', '*', ':' or ')', found 'b'")]
    [InlineData("y ~ a b", 7, "expected '+', '-', '*', ':' or the end of the formula, found 'b'")]
    [InlineData("y ~ log(x", 10, "missing ')' to close the '(' at column 8")]
    [InlineData("y ~ a + 2", 9, "can only be 1 (intercept) or 0 (no intercept), found '2'")]
    [InlineData("y ~ (a + b)^2", 12, "'^' is supported only inside I(x^k)")]
    [InlineData("y ~ a^2", 6, "'^' is supported only inside I(x^k)")]
    [InlineData("y ~ a / b", 7, "'/' (nesting) is not supported")]
    [InlineData("y ~ .", 5, "'.' (all other columns) is not supported")]
    [InlineData("y ~ \"my col\"", 5, "a string is not a term; write a column name plain or in backticks: `my col`")]
    public void Unbalanced_parentheses_and_trailing_garbage_are_reported(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Theory]
    [InlineData("y ~ foo(x)", 5, "unknown function 'foo'; the supported functions are C, I, log, poly")]
    [InlineData("y ~ factor(x)", 5, "write C(x) to treat a column as categorical")]
    [InlineData("y ~ I(x^0)", 9, "the power k in I(x^k) must be a whole number from 1 to 100, found '0'")]
    [InlineData("y ~ I(x^1.5)", 9, "must be a whole number from 1 to 100, found '1.5'")]
    [InlineData("y ~ I(x^-1)", 9, "must be a whole number from 1 to 100, found '-'")]
    [InlineData("y ~ I(x^101)", 9, "must be a whole number from 1 to 100, found '101'")]
    [InlineData("y ~ I(x^99999999999)", 9, "must be a whole number from 1 to 100")]
    [InlineData("y ~ I(x+1)", 8, "only I(x^k) is supported (a column to a whole power k >= 1), found '+'")]
    [InlineData("y ~ I(x)", 8, "only I(x^k) is supported")]
    [InlineData("y ~ I(x^2 + 1)", 11, "only I(x^k) is supported")]
    [InlineData("y ~ I(2^x)", 7, "only I(x^k) is supported")]
    [InlineData("y ~ log(x + 1)", 11, "expected ')' to close log(, found '+'")]
    [InlineData("y ~ log(x, 10)", 10, "expected ')' to close log(, found ','")]
    [InlineData("y ~ log(C(x))", 9, "the argument of log() must be a column name, found 'C'")]
    public void Unsupported_functions_and_powers_say_what_is_supported(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Theory]
    [InlineData("y ~ poly(x, 0, raw=TRUE)", 13, "the degree of poly() must be a whole number from 1 to 100, found '0'")]
    [InlineData("y ~ poly(x, 2.5, raw=TRUE)", 13, "found '2.5'")]
    [InlineData("y ~ poly(x, 3)", 14, "orthogonal polynomials are not supported; write raw=TRUE")]
    [InlineData("y ~ poly(x, 3, raw=FALSE)", 20, "orthogonal polynomials are not supported; write raw=TRUE")]
    [InlineData("y ~ poly(x, 3, raw=F)", 20, "orthogonal polynomials are not supported")]
    [InlineData("y ~ poly(x, raw=TRUE)", 21, "poly() needs a degree")]
    [InlineData("y ~ poly(x, 3, raw=yes)", 20, "raw= must be TRUE, found 'yes'")]
    [InlineData("y ~ poly(x, 3, orthogonal=TRUE)", 16, "poly() accepts the column, a degree and raw=TRUE")]
    [InlineData("y ~ poly(x, 3, 4, raw=TRUE)", 16, "poly() accepts the column, a degree and raw=TRUE, found '4'")]
    public void Bad_poly_arguments_are_reported(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Theory]
    [InlineData("y ~ C(x, ref=)", 14, "ref= at column 13 needs a level")]
    [InlineData("y ~ C(x, ref=abc)", 14, "write the reference level in quotes: ref=\"abc\"")]
    [InlineData("y ~ C(x, \"7\")", 10, "C() accepts only ref=\"level\" after the column, found \"7\"")]
    [InlineData("y ~ C(x, ref=\"7)", 14, "missing the closing \" of the string")]
    [InlineData("y ~ C(x, ref=1e999)", 14, "too large for a double")]
    [InlineData("y ~ C(g, ref=\"a\") + C(g, ref=\"b\")", 21, "C(g) has two reference levels, \"a\" and \"b\"")]
    public void Bad_reference_levels_are_reported(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Theory]
    [InlineData("y ~ x + y", 9, "the response y cannot also be a regressor")]
    [InlineData("log(y) ~ I(y^2)", 10, "the response y cannot also be a regressor")]
    [InlineData("y ~ 0", 5, "no terms and no intercept")]
    [InlineData("y ~ a - a - 1", 5, "no terms and no intercept")]
    [InlineData("y ~ a:1", 7, "the intercept (1 or 0) cannot be part of an interaction")]
    [InlineData("y ~ (a - 1)*b", 10, "the intercept (1 or 0) cannot be part of an interaction")]
    public void Models_without_meaning_are_rejected(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Theory]
    [InlineData("y ~ größe + b", 7, "unexpected character U+00F6 'ö'; write column names with other characters in backticks: `größe`")]
    [InlineData("y ~ a + \U0001F600", 9, "unexpected character U+1F600")]
    [InlineData("y ~ a\u0000", 6, "unexpected character U+0000")]
    [InlineData("y ~ `unterminated", 5, "missing the closing ` of the quoted column name")]
    [InlineData("y ~ ``", 5, "a column name cannot be empty")]
    [InlineData("y ~ `a\nb`", 7, "cannot contain the control character U+000A")]
    [InlineData("y ~ a +\n+ b", 9, "expected a term after '+'")]
    public void Non_ascii_and_control_characters_give_one_line_errors(string text, int column, string problem)
    {
        AssertError(text, column, problem);
    }

    [Fact]
    public void Non_ascii_names_parse_in_backticks()
    {
        Assert.Equal(["größe", "\U0001F600"], FormulaParser.Parse("y ~ `größe` + `\U0001F600`").RegressorColumns);
    }

    [Fact]
    public void Expansion_beyond_the_term_limit_is_an_error_not_an_out_of_memory()
    {
        // 14 crossed columns would give 2^14 - 1 = 16383 terms.
        string crossed = string.Join("*", Enumerable.Range(0, 14).Select(i => "x" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        AssertError("y ~ " + crossed, 5, "the formula expands to more than 10000 terms");
        // 13 give 8191, under the limit.
        Assert.Equal(8191, FormulaParser.Parse("y ~ " + crossed[..crossed.LastIndexOf('*')]).Terms.Count);
    }

    [Fact]
    public void Nesting_beyond_the_depth_limit_is_an_error_not_a_stack_overflow()
    {
        string deep = "y ~ " + new string('(', 101) + "a" + new string(')', 101);
        AssertError(deep, 105, "parentheses are nested more than 100 deep");
        string allowed = "y ~ " + new string('(', 100) + "a" + new string(')', 100);
        Assert.Equal(["a"], FormulaParser.Parse(allowed).Terms.Select(term => term.Label));
    }
}
