// Tokens of the formula language, read on demand so that the first error by position is the
// one reported. Names are [A-Za-z_.][A-Za-z0-9_.]* or anything in backticks (\` and \\ escape);
// numbers are R's decimal literals (1, 2.5, .5, 1e3); strings are "..." or '...' (\ escapes).
// Whitespace (any Unicode space, so a pasted no-break space is harmless) separates tokens.
// Positions are 0-based offsets into the text; FormulaErrors turns them into 1-based columns.
namespace Keel.Model;

internal enum FormulaTokenKind
{
    Name,
    QuotedName,
    Number,
    String,
    Tilde,
    Plus,
    Minus,
    Star,
    Colon,
    Caret,
    LeftParen,
    RightParen,
    Comma,
    Equals,
    End,
}

/// <param name="Text">The name or string with quotes and escapes removed; the number as written; the operator.</param>
/// <param name="Position">0-based offset of the token's first character.</param>
internal readonly record struct FormulaToken(FormulaTokenKind Kind, string Text, int Position)
{
    /// <summary>How the token is named in an error message.</summary>
    public string Describe() => Kind switch
    {
        FormulaTokenKind.End => "the end of the formula",
        FormulaTokenKind.Name or FormulaTokenKind.Number => "'" + Text + "'",
        FormulaTokenKind.QuotedName => FormulaNames.Quote(Text),
        FormulaTokenKind.String => FormulaNames.QuoteString(Text),
        _ => "'" + Text + "'",
    };
}

internal sealed class FormulaLexer
{
    private readonly string text;
    private int offset;
    private FormulaToken? peeked;

    public FormulaLexer(string text)
    {
        this.text = text;
    }

    public FormulaToken Peek() => peeked ??= ReadToken();

    public FormulaToken Next()
    {
        FormulaToken token = Peek();
        peeked = null;
        return token;
    }

    private FormulaToken ReadToken()
    {
        while (offset < text.Length && char.IsWhiteSpace(text[offset]))
        {
            offset++;
        }
        int start = offset;
        if (start == text.Length)
        {
            return new FormulaToken(FormulaTokenKind.End, "", start);
        }
        char c = text[start];
        if (char.IsAsciiDigit(c) || (c == '.' && start + 1 < text.Length && char.IsAsciiDigit(text[start + 1])))
        {
            return ReadNumber(start);
        }
        if (FormulaNames.IsNameStart(c))
        {
            while (offset < text.Length && FormulaNames.IsNamePart(text[offset]))
            {
                offset++;
            }
            return new FormulaToken(FormulaTokenKind.Name, text[start..offset], start);
        }
        if (c == '`' || c == '"' || c == '\'')
        {
            return ReadQuoted(start, c);
        }
        // "**" is Python's power operator; accepted so that patsy's I(x**2) pastes unchanged.
        if (c == '*' && start + 1 < text.Length && text[start + 1] == '*')
        {
            offset += 2;
            return new FormulaToken(FormulaTokenKind.Caret, "**", start);
        }
        FormulaTokenKind? kind = c switch
        {
            '~' => FormulaTokenKind.Tilde,
            '+' => FormulaTokenKind.Plus,
            '-' => FormulaTokenKind.Minus,
            '*' => FormulaTokenKind.Star,
            ':' => FormulaTokenKind.Colon,
            '^' => FormulaTokenKind.Caret,
            '(' => FormulaTokenKind.LeftParen,
            ')' => FormulaTokenKind.RightParen,
            ',' => FormulaTokenKind.Comma,
            '=' => FormulaTokenKind.Equals,
            _ => null,
        };
        if (kind is null)
        {
            throw FormulaErrors.UnexpectedCharacter(text, start);
        }
        offset++;
        return new FormulaToken(kind.Value, c.ToString(), start);
    }

    private FormulaToken ReadNumber(int start)
    {
        SkipDigits();
        if (offset < text.Length && text[offset] == '.')
        {
            offset++;
            SkipDigits();
        }
        // An exponent only when digits follow, so that "2e" stays the number 2 and the name e.
        if (offset < text.Length && (text[offset] == 'e' || text[offset] == 'E'))
        {
            int afterSign = offset + 1 < text.Length && (text[offset + 1] == '+' || text[offset + 1] == '-') ? offset + 2 : offset + 1;
            if (afterSign < text.Length && char.IsAsciiDigit(text[afterSign]))
            {
                offset = afterSign;
                SkipDigits();
            }
        }
        return new FormulaToken(FormulaTokenKind.Number, text[start..offset], start);
    }

    private void SkipDigits()
    {
        while (offset < text.Length && char.IsAsciiDigit(text[offset]))
        {
            offset++;
        }
    }

    private FormulaToken ReadQuoted(int start, char quote)
    {
        var content = new System.Text.StringBuilder();
        offset = start + 1;
        while (true)
        {
            if (offset >= text.Length)
            {
                throw FormulaErrors.UnterminatedQuote(text, start, quote);
            }
            char c = text[offset];
            if (c == quote)
            {
                offset++;
                break;
            }
            if (c == '\\' && offset + 1 < text.Length)
            {
                c = text[offset + 1];
                offset++;
            }
            if (char.IsControl(c))
            {
                throw FormulaErrors.ControlCharacterInQuotes(text, offset);
            }
            content.Append(c);
            offset++;
        }
        if (quote != '`')
        {
            return new FormulaToken(FormulaTokenKind.String, content.ToString(), start);
        }
        if (content.Length == 0)
        {
            throw FormulaErrors.EmptyQuotedName(text, start);
        }
        return new FormulaToken(FormulaTokenKind.QuotedName, content.ToString(), start);
    }
}
