// The errors of formula parsing, one named factory per mistake. Each message is one line:
//   formula "y ~ a + + b", column 9: expected a term after '+'
// with the 1-based column of the offending character (the UTF-16 code unit, as editors count),
// what was expected, and where it helps, what to write instead.
using System.Globalization;
using System.Text;

namespace Keel.Model;

internal static class FormulaErrors
{
    private const string SupportedFunctions = "C, I, log, poly (and offset(log(e)) as a summand)";

    public static KeelInputException EmptyFormula(string text, int position) =>
        At(text, position, "the formula is empty; write it as y ~ a + b");

    public static KeelInputException UnexpectedCharacter(string text, int position)
    {
        char c = text[position];
        string problem = c switch
        {
            '/' => "'/' (nesting) is not supported; write a + a:b instead of a/b",
            '|' => "'|' is not supported in a formula",
            '%' => "%in% and other %...% operators are not supported",
            _ when char.IsControl(c) => $"unexpected character {DescribeCharacter(text, position)}",
            _ when c > '~' =>
                $"unexpected character {DescribeCharacter(text, position)}; write column names with other characters in backticks: `{WordAround(text, position)}`",
            _ => $"unexpected character '{c}'",
        };
        return At(text, position, problem);
    }

    public static KeelInputException UnterminatedQuote(string text, int position, char quote) =>
        At(text, position, quote == '`'
            ? "missing the closing ` of the quoted column name that starts here"
            : $"missing the closing {quote} of the string that starts here");

    public static KeelInputException ControlCharacterInQuotes(string text, int position) =>
        At(text, position, $"a quoted name or level cannot contain the control character {DescribeCharacter(text, position)}");

    public static KeelInputException EmptyQuotedName(string text, int position) =>
        At(text, position, "a column name cannot be empty (``)");

    public static KeelInputException MissingResponse(string text, int position) =>
        At(text, position, "missing the response before '~'; write it as y ~ a + b");

    public static KeelInputException ResponseNotAColumn(string text, int position) =>
        At(text, position, "the response must be a column or log(column), as in y ~ a or log(y) ~ a");

    public static KeelInputException MissingTilde(string text, FormulaToken found) =>
        At(text, found.Position, $"expected '~' after the response, found {found.Describe()}; write it as y ~ a + b");

    public static KeelInputException SecondTilde(string text, int position) =>
        At(text, position, "a formula has only one '~'");

    public static KeelInputException ExpectedTerm(string text, int position, FormulaToken previous) =>
        At(text, position, $"expected a term after {previous.Describe()}");

    public static KeelInputException ExpectedOperator(string text, FormulaToken found, bool insideParentheses) =>
        At(text, found.Position,
            $"expected '+', '-', '*', ':' or {(insideParentheses ? "')'" : "the end of the formula")}, found {found.Describe()}");

    public static KeelInputException ExpectedEndOfCall(string text, FormulaToken found, string function) =>
        At(text, found.Position, $"expected ')' to close {function}(, found {found.Describe()}");

    public static KeelInputException UnmatchedClosingParenthesis(string text, int position) =>
        At(text, position, "')' has no matching '('");

    public static KeelInputException MissingClosingParenthesis(string text, int position, int openPosition) =>
        At(text, position, $"missing ')' to close the '(' at column {Column(openPosition)}");

    public static KeelInputException NestedTooDeep(string text, int position, int maxDepth) =>
        At(text, position, $"parentheses are nested more than {maxDepth.ToString(CultureInfo.InvariantCulture)} deep");

    public static KeelInputException PowerOutsideI(string text, int position) =>
        At(text, position, "'^' is supported only inside I(x^k); write interactions out with ':' or '*'");

    public static KeelInputException NumberAsTerm(string text, FormulaToken found) =>
        At(text, found.Position, $"a number in a formula can only be 1 (intercept) or 0 (no intercept), found {found.Describe()}");

    public static KeelInputException StringAsTerm(string text, FormulaToken found) =>
        At(text, found.Position, $"a string is not a term; write a column name plain or in backticks: {FormulaNames.Quote(found.Text)}");

    public static KeelInputException DotNotSupported(string text, int position) =>
        At(text, position, "'.' (all other columns) is not supported; list the columns, or write `.` for a column named '.'");

    public static KeelInputException OffsetPlacement(string text, int position) =>
        At(text, position, "offset(...) must be added to the whole right-hand side (y ~ a + b + offset(log(e))), at most once, not inside an interaction, a product or parentheses, nor subtracted");

    public static KeelInputException UnknownFunction(string text, FormulaToken function) =>
        At(text, function.Position, function.Text is "factor" or "as.factor"
            ? $"unknown function '{function.Text}'; write C(x) to treat a column as categorical"
            : $"unknown function '{function.Text}'; the supported functions are {SupportedFunctions}");

    public static KeelInputException ColumnArgumentExpected(string text, FormulaToken found, string function) =>
        At(text, found.Position, $"the argument of {function}() must be a column name, found {found.Describe()}");

    public static KeelInputException OnlyPowerSupported(string text, FormulaToken found) =>
        At(text, found.Position, $"only I(x^k) is supported (a column to a whole power k >= 1), found {found.Describe()}");

    public static KeelInputException BadWholeNumber(string text, FormulaToken found, string what, int max) =>
        At(text, found.Position,
            $"{what} must be a whole number from 1 to {max.ToString(CultureInfo.InvariantCulture)}, found {found.Describe()}");

    public static KeelInputException CategoricalArgument(string text, FormulaToken found) =>
        At(text, found.Position, $"C() accepts only ref=\"level\" after the column, found {found.Describe()}");

    public static KeelInputException MissingReferenceLevel(string text, int position, int equalsPosition) =>
        At(text, position, $"ref= at column {Column(equalsPosition)} needs a level, as in C(x, ref=\"7\") or C(x, ref=7)");

    public static KeelInputException UnquotedReferenceLevel(string text, FormulaToken found) =>
        At(text, found.Position, $"write the reference level in quotes: ref={FormulaNames.QuoteString(found.Text)}");

    public static KeelInputException ReferenceNotFinite(string text, int position) =>
        At(text, position, "the reference level is a number too large for a double; write it in quotes");

    public static KeelInputException ConflictingReferenceLevels(string text, int position, string column, string earlier, string later) =>
        At(text, position,
            $"C({FormulaNames.Quote(column)}) has two reference levels, {FormulaNames.QuoteString(earlier)} and {FormulaNames.QuoteString(later)}; give one");

    public static KeelInputException PolyArgument(string text, FormulaToken found) =>
        At(text, found.Position, $"poly() accepts the column, a degree and raw=TRUE, found {found.Describe()}");

    public static KeelInputException PolyRawValue(string text, FormulaToken found) =>
        At(text, found.Position, $"raw= must be TRUE, found {found.Describe()}");

    public static KeelInputException PolyMissingDegree(string text, int position) =>
        At(text, position, "poly() needs a degree, as in poly(x, 3, raw=TRUE)");

    public static KeelInputException OrthogonalPolynomial(string text, int position) =>
        At(text, position, "orthogonal polynomials are not supported; write raw=TRUE, as in poly(x, 3, raw=TRUE)");

    public static KeelInputException InterceptInInteraction(string text, int position) =>
        At(text, position, "the intercept (1 or 0) cannot be part of an interaction; write it as its own term: y ~ 0 + a:b");

    public static KeelInputException TooManyTerms(string text, int position, int maxTerms) =>
        At(text, position, $"the formula expands to more than {maxTerms.ToString(CultureInfo.InvariantCulture)} terms");

    public static KeelInputException ResponseAsRegressor(string text, int position, string column) =>
        At(text, position, $"the response {FormulaNames.Quote(column)} cannot also be a regressor");

    public static KeelInputException NoTermsNoIntercept(string text, int position) =>
        At(text, position, "the model has no terms and no intercept; write y ~ 1 for the intercept only");

    internal static KeelInputException At(string text, int position, string problem) =>
        // The problem may quote a token of the text (found "…"): it too is put on one line (formula fuzz, U+2028).
        new($"formula \"{OnOneLine(text)}\", column {Column(position)}: {OnOneLine(problem)}") { FormulaColumn = position + 1 };

    private static string Column(int position) => (position + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The formula with every line break or control character shown as a space, so the message stays one line and columns still line up.</summary>
    private static string OnOneLine(string text)
    {
        var line = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            bool breaksLine = char.IsControl(c) || c is '\u2028' or '\u2029';
            line.Append(breaksLine ? ' ' : c);
        }
        return line.ToString();
    }

    /// <summary>The run of name-like characters (ASCII name characters or any non-ASCII) around a position: "größe" around 'ö'.</summary>
    private static string WordAround(string text, int position)
    {
        static bool IsWordCharacter(char c) => FormulaNames.IsNamePart(c) || (c > '~' && !char.IsWhiteSpace(c) && !char.IsControl(c));
        int start = position;
        while (start > 0 && IsWordCharacter(text[start - 1]))
        {
            start--;
        }
        int end = position;
        while (end < text.Length && IsWordCharacter(text[end]))
        {
            end++;
        }
        return text[start..end];
    }

    /// <summary>A character by its code point, with the glyph when it has a visible one: U+00F6 'ö'.</summary>
    private static string DescribeCharacter(string text, int position)
    {
        if (char.IsSurrogatePair(text, position))
        {
            int codePoint = char.ConvertToUtf32(text, position);
            return $"U+{codePoint.ToString("X4", CultureInfo.InvariantCulture)} '{text.Substring(position, 2)}'";
        }
        char c = text[position];
        string code = "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
        // Control, format (e.g. right-to-left marks) and lone surrogate characters have no glyph to show.
        bool invisible = char.IsControl(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format;
        return invisible ? code : $"{code} '{c}'";
    }
}
