// Property: for ANY string, FormulaParser.Parse either returns a formula that satisfies the
// Formula invariants or throws KeelInputException with a one-line message whose column lies
// inside the text (or just past its end). Inputs come from a seeded System.Random, so a
// failure reproduces; the failing input is printed escaped.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Keel.Model;

namespace Keel.Tests.Model;

public partial class FormulaParserFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Fragments =
    [
        "y", "x", "a", "b", "code", "log", "C", "I", "poly", "foo", "ref", "raw", "degree", "TRUE", "T", "FALSE",
        "~", "+", "-", "*", ":", "^", "**", "(", ")", ",", "=", " ", "  ", "0", "1", "2", "3", "1.5", ".5", "1e3",
        "1e999", "\"7\"", "'q'", "\"", "'", "`", "`my col`", "\\", ".", "/", "|", "%in%", "\t", "\n", "\u00A0",
        "ö", "\U0001F600", "\uD800", "\uDC00", "\u0000", "\u200F", "\u2028", "99999999999",
    ];

    private static readonly char[] LineBreaks = ['\n', '\r', '\u0085', '\u2028', '\u2029'];

    private static readonly string[] ValidFormulas =
    [
        "y ~ a*b*c - a:b - 1",
        "log(y) ~ C(code, ref=\"7\") + (a + b):x + I(x^2)",
        "y ~ 0 + poly(x, 3, raw=TRUE) + log(z)",
        "`my y` ~ `my col` * C(g, ref=-2.5) + 1",
        "y ~ (a + b)*(c + d) - b:d",
    ];

    [Fact]
    public void Random_strings_either_parse_or_throw_only_KeelInputException()
    {
        // KEEL_FUZZ_FORMULA_SECONDS=N keeps drawing strings from the same stream for N seconds (a long run).
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("KEEL_FUZZ_FORMULA_SECONDS"), CultureInfo.InvariantCulture, out double s) ? s : 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var random = new Random(20240611);
        int parsed = 0;
        int i = 0;
        for (; i < 20_000 || clock.Elapsed.TotalSeconds < seconds; i++)
        {
            var text = new StringBuilder();
            int pieces = random.Next(0, 16);
            for (int j = 0; j < pieces; j++)
            {
                text.Append(random.Next(4) == 0 ? (char)random.Next(0, 0x3000) : Fragments[random.Next(Fragments.Length)]);
            }
            parsed += CheckParseOutcome(text.ToString()) ? 1 : 0;
        }
        string summary = FormattableString.Invariant($"formula fuzz: {i} random strings, {parsed} parsed, in {clock.Elapsed.TotalSeconds:F0} s, no failure");
        output.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("KEEL_FUZZ_REPORT") is { Length: > 0 } report)
        {
            File.AppendAllText(report, summary + Environment.NewLine);
        }

        // Almost all are rejected: this test is about the error path never crashing.
        Assert.True(parsed < i / 20);
    }

    [Fact]
    public void A_line_separator_in_a_quoted_token_stays_off_the_message()
    {
        // Found by the 10-minute run (KEEL_FUZZ_FORMULA_SECONDS=600): the token after the response held U+2028.
        Assert.False(CheckParseOutcome("\"poly\"\u065C=1e3\u20281e3\"7\""));
    }

    [Fact]
    public void Random_formulas_from_the_grammar_parse_and_keep_the_invariants()
    {
        var random = new Random(42);
        int parsed = 0;
        for (int i = 0; i < 5_000; i++)
        {
            string response = random.Next(2) == 0 ? "y" : "log( y )";
            parsed += CheckParseOutcome(response + Space(random) + "~" + RandomSum(random, depth: 2)) ? 1 : 0;
        }
        // Some are rightly rejected (y ~ 0, an intercept inside an interaction); most must parse.
        Assert.InRange(parsed, 2_500, 5_000);
    }

    [Fact]
    public void Mutated_valid_formulas_either_parse_or_throw_only_KeelInputException()
    {
        var random = new Random(7);
        int parsed = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder(ValidFormulas[random.Next(ValidFormulas.Length)]);
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations && text.Length > 0; m++)
            {
                int at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0:
                        text.Remove(at, 1);
                        break;
                    case 1:
                        text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                        break;
                    case 2:
                        text.Remove(at, Math.Min(text.Length - at, random.Next(1, 6)));
                        break;
                    default:
                        int from = random.Next(text.Length);
                        text.Insert(at, text.ToString(from, Math.Min(text.Length - from, random.Next(1, 8))));
                        break;
                }
            }
            parsed += CheckParseOutcome(text.ToString()) ? 1 : 0;
        }
        Assert.InRange(parsed, 1_000, 19_000);
    }

    [Theory]
    [InlineData("(", 200_000)]
    [InlineData("a+", 200_000)]
    [InlineData("a:", 200_000)]
    [InlineData("-a", 100_000)]
    [InlineData("(a-a)*", 100_000)]
    [InlineData("`a b` + ", 100_000)]
    public void Very_long_inputs_neither_overflow_the_stack_nor_hang(string unit, int repeats)
    {
        _ = CheckParseOutcome("y ~ " + string.Concat(Enumerable.Repeat(unit, repeats)) + "b");
    }

    /// <returns>True when the text parsed, false when it was rejected with a well-formed error.</returns>
    private static readonly string[] Columns =
    [
        "a", "b", "c", "`my col`", "C(a)", "C(b, ref=\"x\")", "C(f,ref=2)", "log(c)", "I(d^2)", "I(d ** 3)", "poly(e, 2, raw=TRUE)",
    ];

    private static string Space(Random random) => random.Next(3) switch { 0 => "", 1 => " ", _ => " \t " };

    private static string RandomSum(Random random, int depth)
    {
        var sum = new StringBuilder();
        int summands = random.Next(1, 5);
        for (int i = 0; i < summands; i++)
        {
            if (i > 0 || random.Next(6) == 0)
            {
                sum.Append(Space(random)).Append(random.Next(4) == 0 ? '-' : '+');
            }
            sum.Append(Space(random)).Append(RandomChain(random, depth, "*", () => RandomChain(random, depth, ":", () => RandomPrimary(random, depth))));
        }
        return sum.ToString();
    }

    private static string RandomChain(Random random, int depth, string op, Func<string> operand) =>
        string.Join(Space(random) + op + Space(random), Enumerable.Range(0, random.Next(1, 4)).Select(_ => operand()));

    private static string RandomPrimary(Random random, int depth)
    {
        int choice = random.Next(20);
        return choice switch
        {
            0 when depth > 0 => "(" + RandomSum(random, depth - 1) + Space(random) + ")",
            1 => random.Next(2).ToString(CultureInfo.InvariantCulture),
            _ => Columns[random.Next(Columns.Length)],
        };
    }

    private static bool CheckParseOutcome(string text)
    {
        Formula formula;
        try
        {
            formula = FormulaParser.Parse(text);
        }
        catch (KeelInputException error)
        {
            Assert.True(error.Message.IndexOfAny(LineBreaks) < 0, $"input {Escape(text)}: message is not one line: {Escape(error.Message)}");
            Match match = ErrorShape().Match(error.Message);
            Assert.True(match.Success, $"input {Escape(text)}: message not of the form 'formula \"...\", column N: ...': {error.Message}");
            int column = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(column, 1, text.Length + 1);
            return false;
        }
        catch (Exception other)
        {
            Assert.Fail($"input {Escape(text)} threw {other.GetType().Name}: {other}");
            return false;
        }
        CheckInvariants(formula, text);
        return true;
    }

    private static void CheckInvariants(Formula formula, string text)
    {
        Assert.Equal(formula.Terms.Count, formula.Terms.Distinct().Count());
        Assert.DoesNotContain(formula.Response.Column, formula.Terms.SelectMany(term => term.Factors).Select(factor => factor.Column));
        Assert.True(formula.HasIntercept || formula.Terms.Count > 0, $"input {Escape(text)}: no terms and no intercept");
        Formula reparsed = FormulaParser.Parse(formula.Canonical);
        Assert.Equal(formula.Terms, reparsed.Terms);
        Assert.Equal(formula.HasIntercept, reparsed.HasIntercept);
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder("\"");
        foreach (char c in text.Length > 300 ? text[..300] + "..." : text)
        {
            escaped.Append(c is >= ' ' and <= '~' ? c.ToString() : "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
        return escaped.Append('"').ToString();
    }

    [GeneratedRegex("^formula \".*\", column ([0-9]+): .+\\z")]
    private static partial Regex ErrorShape();
}
