// The functions a formula may apply to one column, each read by its own rule (EBNF):
//
//   call     = "C" "(" column [ "," "ref" "=" level ] ")"
//            | "I" "(" column ( "^" | "**" ) WHOLE ")"
//            | "log" "(" column ")"
//            | "poly" "(" column { "," poly_arg } ")"
//            | "offset" "(" ( column | "log" "(" column ")" ) ")" ;   (a summand of the top-level sum only)
//   level    = STRING | [ "+" | "-" ] NUMBER ;
//   poly_arg = WHOLE | "degree" "=" WHOLE | "raw" "=" ( "TRUE" | "T" | "True" ) ;
//
// Only these shapes are accepted; anything else (I(x+1), log(x, 10), poly without raw=TRUE)
// is an error that says which shape is supported, never a silently different model.
using System.Globalization;

namespace Keel.Model;

internal sealed partial class FormulaReader
{
    /// <summary>
    /// Largest power in I(x^k) and degree in poly(): x^k overflows binary64 for |x| above
    /// 10^(308/k), so beyond 100 the column is garbage for any x over 1000; also a typo guard.
    /// </summary>
    internal const int MaxPower = 100;

    private Factor ReadCall(FormulaToken function)
    {
        FormulaToken open = lexer.Next();
        Factor factor = function.Text switch
        {
            "C" => ReadCategoricalArguments(function),
            "I" => ReadPowerArguments(function),
            "log" => new LogFactor(ReadColumnArgument(function)),
            "poly" => ReadPolyArguments(function),
            _ => throw FormulaErrors.UnknownFunction(text, function),
        };
        ExpectEndOfCall(open, function);
        return factor;
    }

    /// <summary>offset(log(e)) or offset(o); the caller has read the name, the '(' is next.</summary>
    private Offset ReadOffset(FormulaToken function)
    {
        FormulaToken open = lexer.Next();
        FormulaToken inner = lexer.Peek();
        Offset offset;
        if (inner.Kind == FormulaTokenKind.Name && string.Equals(inner.Text, "log", StringComparison.Ordinal))
        {
            lexer.Next();
            FormulaToken innerOpen = lexer.Next();
            if (innerOpen.Kind != FormulaTokenKind.LeftParen)
            {
                throw FormulaErrors.ColumnArgumentExpected(text, inner, function.Text);
            }

            offset = new Offset(ReadColumnArgument(inner), Log: true);
            ExpectEndOfCall(innerOpen, inner);
        }
        else
        {
            offset = new Offset(ReadColumnArgument(function), Log: false);
        }

        ExpectEndOfCall(open, function);
        return offset;
    }

    private CategoricalFactor ReadCategoricalArguments(FormulaToken function)
    {
        string column = ReadColumnArgument(function);
        if (lexer.Peek().Kind != FormulaTokenKind.Comma)
        {
            return new CategoricalFactor(column, ReferenceLevel: null);
        }
        lexer.Next();
        FormulaToken name = lexer.Next();
        if (name.Kind != FormulaTokenKind.Name || !string.Equals(name.Text, "ref", StringComparison.Ordinal)
            || lexer.Peek().Kind != FormulaTokenKind.Equals)
        {
            throw FormulaErrors.CategoricalArgument(text, name);
        }
        FormulaToken equals = lexer.Next();
        return new CategoricalFactor(column, ReadReferenceLevel(equals));
    }

    /// <summary>A quoted level verbatim, or a number normalised to its shortest round-trip text.</summary>
    private string ReadReferenceLevel(FormulaToken equals)
    {
        FormulaToken token = lexer.Next();
        if (token.Kind == FormulaTokenKind.String)
        {
            return token.Text;
        }
        bool negative = false;
        FormulaToken sign = token;
        if (token.Kind is FormulaTokenKind.Plus or FormulaTokenKind.Minus)
        {
            negative = token.Kind == FormulaTokenKind.Minus;
            token = lexer.Next();
        }
        if (token.Kind == FormulaTokenKind.Number)
        {
            bool parsed = double.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value);
            if (!parsed || !double.IsFinite(value))
            {
                throw FormulaErrors.ReferenceNotFinite(text, sign.Position);
            }
            // "+ 0.0" turns -0 into 0: the two are one level, and "0" is how levels print.
            double level = (negative ? -value : value) + 0.0;
            return level.ToString("R", CultureInfo.InvariantCulture);
        }
        throw token.Kind is FormulaTokenKind.Name or FormulaTokenKind.QuotedName
            ? FormulaErrors.UnquotedReferenceLevel(text, token)
            : FormulaErrors.MissingReferenceLevel(text, token.Position, equals.Position);
    }

    private PowerFactor ReadPowerArguments(FormulaToken function)
    {
        FormulaToken first = lexer.Peek();
        if (first.Kind is not (FormulaTokenKind.Name or FormulaTokenKind.QuotedName))
        {
            throw FormulaErrors.OnlyPowerSupported(text, first);
        }
        string column = ReadColumnArgument(function);
        FormulaToken caret = lexer.Next();
        if (caret.Kind != FormulaTokenKind.Caret)
        {
            throw FormulaErrors.OnlyPowerSupported(text, caret);
        }
        int power = ReadWholeNumber("the power k in I(x^k)");
        if (lexer.Peek().Kind != FormulaTokenKind.RightParen && lexer.Peek().Kind != FormulaTokenKind.End)
        {
            throw FormulaErrors.OnlyPowerSupported(text, lexer.Peek());
        }
        return new PowerFactor(column, power);
    }

    private PolyFactor ReadPolyArguments(FormulaToken function)
    {
        string column = ReadColumnArgument(function);
        int? degree = null;
        bool? raw = null;
        int rawPosition = -1;
        while (lexer.Peek().Kind == FormulaTokenKind.Comma)
        {
            lexer.Next();
            FormulaToken argument = lexer.Peek();
            if (argument.Kind == FormulaTokenKind.Number && degree is null)
            {
                degree = ReadWholeNumber("the degree of poly()");
                continue;
            }
            lexer.Next();
            bool named = argument.Kind == FormulaTokenKind.Name && lexer.Peek().Kind == FormulaTokenKind.Equals;
            if (named && string.Equals(argument.Text, "degree", StringComparison.Ordinal) && degree is null)
            {
                lexer.Next();
                degree = ReadWholeNumber("the degree of poly()");
            }
            else if (named && string.Equals(argument.Text, "raw", StringComparison.Ordinal) && raw is null)
            {
                lexer.Next();
                FormulaToken value = lexer.Next();
                rawPosition = value.Position;
                raw = value.Kind == FormulaTokenKind.Name ? value.Text switch
                {
                    "TRUE" or "T" or "True" => true,
                    "FALSE" or "F" or "False" => false,
                    _ => throw FormulaErrors.PolyRawValue(text, value),
                } : throw FormulaErrors.PolyRawValue(text, value);
            }
            else
            {
                throw FormulaErrors.PolyArgument(text, argument);
            }
        }
        int end = lexer.Peek().Position;
        if (degree is null)
        {
            throw FormulaErrors.PolyMissingDegree(text, end);
        }
        if (raw != true)
        {
            throw FormulaErrors.OrthogonalPolynomial(text, raw is null ? end : rawPosition);
        }
        return new PolyFactor(column, degree.Value);
    }

    /// <summary>Reads a whole number from 1 to <see cref="MaxPower"/>; <paramref name="what"/> names it in the error.</summary>
    private int ReadWholeNumber(string what)
    {
        FormulaToken token = lexer.Next();
        bool isWhole = token.Kind == FormulaTokenKind.Number && token.Text.All(char.IsAsciiDigit);
        if (!isWhole
            || !int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            || value < 1 || value > MaxPower)
        {
            throw FormulaErrors.BadWholeNumber(text, token, what, MaxPower);
        }
        return value;
    }
}
