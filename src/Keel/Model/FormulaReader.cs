// Recursive-descent reader from formula text to a FormulaSyntax tree. One method per rule of
// the grammar below (EBNF); precedence is R's: ':' binds tighter than '*', which binds tighter
// than '+' and '-' (R Language Definition, section 10.4.2 "Infix and prefix operators").
//
//   formula     = response "~" sum END ;
//   response    = column | "log" "(" column ")" ;
//   sum         = [ "+" | "-" ] cross { ( "+" | "-" ) cross } ;
//   cross       = interaction { "*" interaction } ;
//   interaction = primary { ":" primary } ;
//   primary     = "(" sum ")" | "0" | "1" | call | column ;
//   column      = NAME | `QUOTED NAME` ;
//   call        = see FormulaReader.Calls.cs: C(...), I(...), log(...), poly(...), offset(...) ;
//
// The reader only checks syntax; FormulaExpansion turns the tree into terms. Every error is a
// KeelInputException naming the column where the problem is.
namespace Keel.Model;

internal sealed partial class FormulaReader
{
    /// <summary>Deeper nesting is no formula a person writes; the limit keeps recursion far from the stack's end.</summary>
    private const int MaxParenthesisDepth = 100;

    private readonly string text;
    private readonly FormulaLexer lexer;
    private int parenthesisDepth;

    private FormulaReader(string text)
    {
        this.text = text;
        lexer = new FormulaLexer(text);
    }

    public static FormulaSyntax Read(string text) => new FormulaReader(text).ReadFormula();

    private FormulaSyntax ReadFormula()
    {
        FormulaToken first = lexer.Peek();
        if (first.Kind == FormulaTokenKind.End)
        {
            throw FormulaErrors.EmptyFormula(text, first.Position);
        }
        if (first.Kind == FormulaTokenKind.Tilde)
        {
            throw FormulaErrors.MissingResponse(text, first.Position);
        }
        Response response = ReadResponse();
        FormulaToken tilde = lexer.Next();
        if (tilde.Kind != FormulaTokenKind.Tilde)
        {
            throw FormulaErrors.MissingTilde(text, tilde);
        }
        FormulaNode rightSide = ReadSum(tilde);
        FormulaToken end = lexer.Next();
        if (end.Kind != FormulaTokenKind.End)
        {
            throw end.Kind switch
            {
                FormulaTokenKind.RightParen => FormulaErrors.UnmatchedClosingParenthesis(text, end.Position),
                FormulaTokenKind.Tilde => FormulaErrors.SecondTilde(text, end.Position),
                _ => FormulaErrors.ExpectedOperator(text, end, insideParentheses: false),
            };
        }
        return new FormulaSyntax(response, first.Position, rightSide);
    }

    private Response ReadResponse()
    {
        FormulaToken token = lexer.Next();
        if (token.Kind == FormulaTokenKind.Name && lexer.Peek().Kind == FormulaTokenKind.LeftParen)
        {
            if (!string.Equals(token.Text, "log", StringComparison.Ordinal))
            {
                throw FormulaErrors.ResponseNotAColumn(text, token.Position);
            }
            FormulaToken open = lexer.Next();
            string column = ReadColumnArgument(token);
            ExpectEndOfCall(open, token);
            return new Response(column, Log: true);
        }
        if (token.Kind is FormulaTokenKind.Name or FormulaTokenKind.QuotedName)
        {
            RejectDot(token);
            return new Response(token.Text, Log: false);
        }
        throw FormulaErrors.ResponseNotAColumn(text, token.Position);
    }

    /// <param name="previous">The token before the sum ('~' or '('), named if the sum is missing.</param>
    private SumNode ReadSum(FormulaToken previous)
    {
        var summands = new List<Summand>();
        int position = lexer.Peek().Position;
        bool subtract = false;
        FormulaToken leadingSign = lexer.Peek();
        if (leadingSign.Kind is FormulaTokenKind.Plus or FormulaTokenKind.Minus)
        {
            // A leading sign, as in y ~ -1 + x: the first operand is added to or removed from nothing.
            lexer.Next();
            subtract = leadingSign.Kind == FormulaTokenKind.Minus;
            previous = leadingSign;
        }
        while (true)
        {
            summands.Add(new Summand(subtract, ReadCross(previous)));
            FormulaToken sign = lexer.Peek();
            if (sign.Kind is not (FormulaTokenKind.Plus or FormulaTokenKind.Minus))
            {
                return new SumNode(summands, position);
            }
            lexer.Next();
            subtract = sign.Kind == FormulaTokenKind.Minus;
            previous = sign;
        }
    }

    private FormulaNode ReadCross(FormulaToken previous)
    {
        FormulaNode first = ReadInteraction(previous);
        if (lexer.Peek().Kind != FormulaTokenKind.Star)
        {
            return first;
        }
        var operands = new List<FormulaNode> { first };
        while (lexer.Peek().Kind == FormulaTokenKind.Star)
        {
            FormulaToken star = lexer.Next();
            operands.Add(ReadInteraction(star));
        }
        return new CrossNode(operands, first.Position);
    }

    private FormulaNode ReadInteraction(FormulaToken previous)
    {
        FormulaNode first = ReadPrimary(previous);
        if (lexer.Peek().Kind != FormulaTokenKind.Colon)
        {
            RejectPowerOperator();
            return first;
        }
        var operands = new List<FormulaNode> { first };
        while (lexer.Peek().Kind == FormulaTokenKind.Colon)
        {
            FormulaToken colon = lexer.Next();
            operands.Add(ReadPrimary(colon));
        }
        RejectPowerOperator();
        return new InteractionNode(operands, first.Position);
    }

    private FormulaNode ReadPrimary(FormulaToken previous)
    {
        FormulaToken token = lexer.Next();
        switch (token.Kind)
        {
            case FormulaTokenKind.LeftParen:
                if (++parenthesisDepth > MaxParenthesisDepth)
                {
                    throw FormulaErrors.NestedTooDeep(text, token.Position, MaxParenthesisDepth);
                }
                SumNode inner = ReadSum(token);
                FormulaToken close = lexer.Next();
                if (close.Kind != FormulaTokenKind.RightParen)
                {
                    throw close.Kind == FormulaTokenKind.End
                        ? FormulaErrors.MissingClosingParenthesis(text, close.Position, token.Position)
                        : FormulaErrors.ExpectedOperator(text, close, insideParentheses: true);
                }
                parenthesisDepth--;
                return inner;
            case FormulaTokenKind.Number:
                return token.Text switch
                {
                    "1" => new InterceptNode(Present: true, token.Position),
                    "0" => new InterceptNode(Present: false, token.Position),
                    _ => throw FormulaErrors.NumberAsTerm(text, token),
                };
            case FormulaTokenKind.Name when lexer.Peek().Kind == FormulaTokenKind.LeftParen && string.Equals(token.Text, "offset", StringComparison.Ordinal):
                return new OffsetNode(ReadOffset(token), token.Position);
            case FormulaTokenKind.Name when lexer.Peek().Kind == FormulaTokenKind.LeftParen:
                return new FactorNode(ReadCall(token), token.Position);
            case FormulaTokenKind.Name or FormulaTokenKind.QuotedName:
                RejectDot(token);
                return new FactorNode(new VariableFactor(token.Text), token.Position);
            case FormulaTokenKind.String:
                throw FormulaErrors.StringAsTerm(text, token);
            default:
                throw FormulaErrors.ExpectedTerm(text, token.Position, previous);
        }
    }

    /// <summary>Reads the column that is the argument of a function: a name or a quoted name, not a call.</summary>
    private string ReadColumnArgument(FormulaToken function)
    {
        FormulaToken token = lexer.Next();
        bool isColumn = token.Kind == FormulaTokenKind.QuotedName
            || (token.Kind == FormulaTokenKind.Name && lexer.Peek().Kind != FormulaTokenKind.LeftParen);
        if (!isColumn)
        {
            throw FormulaErrors.ColumnArgumentExpected(text, token, function.Text);
        }
        RejectDot(token);
        return token.Text;
    }

    /// <summary>Consumes the ')' that closes the call of <paramref name="function"/> opened at <paramref name="open"/>.</summary>
    private void ExpectEndOfCall(FormulaToken open, FormulaToken function)
    {
        FormulaToken token = lexer.Next();
        if (token.Kind != FormulaTokenKind.RightParen)
        {
            throw token.Kind == FormulaTokenKind.End
                ? FormulaErrors.MissingClosingParenthesis(text, token.Position, open.Position)
                : FormulaErrors.ExpectedEndOfCall(text, token, function.Text);
        }
    }

    /// <summary>R's "." (all other columns) needs the data's column list, which a formula alone does not have.</summary>
    private void RejectDot(FormulaToken token)
    {
        if (token.Kind == FormulaTokenKind.Name && string.Equals(token.Text, ".", StringComparison.Ordinal))
        {
            throw FormulaErrors.DotNotSupported(text, token.Position);
        }
    }

    /// <summary>R's (a + b)^2 would mean interactions up to degree 2; only I(x^k) is supported.</summary>
    private void RejectPowerOperator()
    {
        FormulaToken token = lexer.Peek();
        if (token.Kind == FormulaTokenKind.Caret)
        {
            throw FormulaErrors.PowerOutsideI(text, token.Position);
        }
    }
}
