// fixest's formula form "y ~ x1 + x2 | f1 + f2" (Bergé 2018, fixest's `feols`): the columns after a
// top-level bar are fixed effects. Keel reads them as categorical terms C(f1) + C(f2) appended to the
// model, so the same formula means the same model on every path; the row path absorbs them.
//
// Grammar of the part after the bar: column { "+" column }, a column being a NAME or `QUOTED NAME`
// (fixest's combined effects f1^f2 and varying slopes x[f] are not read: the error says so).
// A bar inside parentheses, backticks or a quoted string is not the separator.
namespace Keel.Model;

internal static class AbsorbedPart
{
    /// <summary>The text before the top-level bar and the factor columns after it; null when there is no bar.</summary>
    public static (string Model, IReadOnlyList<string> Factors)? Split(string text)
    {
        int bar = TopLevelBar(text);
        if (bar < 0)
        {
            return null;
        }

        string model = text[..bar];
        if (!model.Contains('~', StringComparison.Ordinal))
        {
            throw FormulaErrors.At(text, bar, "'|' before '~'; write \"y ~ x | f1 + f2\" (the fixed effects after the bar)");
        }

        var factors = new List<string>();
        int at = bar + 1;
        while (true)
        {
            while (at < text.Length && char.IsWhiteSpace(text[at]))
            {
                at++;
            }

            int start = at;
            string name;
            if (at < text.Length && text[at] == '`')
            {
                int close = text.IndexOf('`', at + 1);
                if (close < 0)
                {
                    throw FormulaErrors.At(text, at, "unclosed backtick after '|'");
                }

                name = text[(at + 1)..close];
                at = close + 1;
            }
            else
            {
                while (at < text.Length && FormulaNames.IsNamePart(text[at]))
                {
                    at++;
                }

                name = text[start..at];
                if (name.Length == 0 || !FormulaNames.IsNameStart(name[0]))
                {
                    throw NotAColumn(text, start);
                }
            }

            if (factors.Contains(name, StringComparer.Ordinal))
            {
                throw FormulaErrors.At(text, start, $"'{name}' appears twice after '|'");
            }

            factors.Add(name);
            while (at < text.Length && char.IsWhiteSpace(text[at]))
            {
                at++;
            }

            if (at == text.Length)
            {
                return (model, factors);
            }

            if (text[at] != '+')
            {
                throw NotAColumn(text, at);
            }

            at++;
        }
    }

    /// <summary>Checks that the expansion kept one C(f) term per absorbed column at the end of the terms.</summary>
    public static void CheckExpanded(Formula formula)
    {
        int bar = TopLevelBar(formula.Text);
        int first = formula.Terms.Count - formula.Absorbed.Count;
        for (int i = 0; i < formula.Absorbed.Count; i++)
        {
            string column = formula.Absorbed[i];
            bool elsewhere = formula.Terms.Take(Math.Max(0, first)).Any(t => t.Factors.Any(f => string.Equals(f.Column, column, StringComparison.Ordinal)));
            if (elsewhere || first < 0 || formula.Terms[first + i].Factors is not [CategoricalFactor c] || !string.Equals(c.Column, column, StringComparison.Ordinal))
            {
                throw FormulaErrors.At(formula.Text, Math.Max(0, bar), $"'{column}' is both a regressor and a fixed effect after '|'; write it on one side only");
            }
        }
    }

    private static KeelInputException NotAColumn(string text, int at) =>
        FormulaErrors.At(text, Math.Min(at, text.Length), "after '|' Keel reads fixed effects as column names joined by '+' (fixest's f1^f2 and x[f] are not supported; write C(f1):C(f2) before the bar instead)");

    private static int TopLevelBar(string text)
    {
        int depth = 0;
        bool backtick = false;
        bool quote = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (backtick)
            {
                backtick = c != '`';
            }
            else if (quote)
            {
                if (c == '\\')
                {
                    i++;
                }
                else
                {
                    quote = c != '"';
                }
            }
            else if (c == '`')
            {
                backtick = true;
            }
            else if (c == '"')
            {
                quote = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (c == '|' && depth == 0)
            {
                return i;
            }
        }

        return -1;
    }
}
