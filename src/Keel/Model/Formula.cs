// A parsed model formula: the response and the expanded, de-duplicated list of terms.
//
// Semantics follow R's model formulae (Chambers & Hastie, "Statistical Models in S", 1992,
// ch. 2; R's ?formula) with one deliberate difference: terms keep the order in which the
// expansion writes them; R reorders them by interaction degree. The grammar, the expansion
// rules and examples are in docs/formula.md; the parser is FormulaParser.
//
// Invariants: no two terms are equal (a:b equals b:a), the response column appears in no
// factor, and every CategoricalFactor of one column carries the same reference level.
using System.Globalization;
using System.Text;

namespace Keel.Model;

/// <summary>A model formula after expansion: <c>y ~ a*b</c> becomes the terms a, b, a:b.</summary>
/// <param name="Response">The target column, possibly log-transformed.</param>
/// <param name="HasIntercept">False after <c>0 +</c>, <c>+ 0</c> or <c>- 1</c>.</param>
/// <param name="Terms">The terms in formula order after expansion, duplicates removed (first kept).</param>
/// <param name="Text">The formula exactly as the user wrote it.</param>
internal sealed record Formula(Response Response, bool HasIntercept, IReadOnlyList<Term> Terms, string Text)
{
    /// <summary>
    /// Columns written after <c>|</c> (fixest's fixed effects): each is also a <c>C(col)</c> term at
    /// the end of <see cref="Terms"/>; absorbing them is how the row path solves, not a different model.
    /// </summary>
    public IReadOnlyList<string> Absorbed { get; init; } = [];

    /// <summary>
    /// <c>offset(log(exposure))</c> or <c>offset(o)</c>: a term of the linear predictor with coefficient 1
    /// (R's and fixest's form for rates per unit of exposure); null without one. docs/glm.md.
    /// </summary>
    public Offset? Offset { get; init; }

    /// <summary>
    /// The expanded formula in normal form, e.g. <c>y ~ a + b + a:b</c> or <c>y ~ 0 + x</c>;
    /// parsing it gives back the same response, intercept and terms.
    /// </summary>
    public string Canonical
    {
        get
        {
            IReadOnlyList<Term> terms = Absorbed.Count == 0 ? Terms : Terms.Take(Terms.Count - Absorbed.Count).ToArray();
            string rightSide = terms.Count == 0
                ? (HasIntercept ? "1" : "0")
                : (HasIntercept ? "" : "0 + ") + string.Join(" + ", terms.Select(term => term.Expression));
            string bar = Absorbed.Count == 0 ? "" : " | " + string.Join(" + ", Absorbed.Select(FormulaNames.Quote));
            string offset = Offset is null ? "" : " + " + Offset.Label;
            return Response.Label + " ~ " + rightSide + offset + bar;
        }
    }

    /// <summary>The distinct regressor columns, in order of first use in the terms.</summary>
    public IReadOnlyList<string> RegressorColumns =>
        Terms.SelectMany(term => term.Factors).Select(factor => factor.Column).Distinct(StringComparer.Ordinal).ToArray();
}

/// <summary>
/// The offset of the linear predictor: a column <paramref name="Column"/>, or its natural logarithm
/// when <paramref name="Log"/> (offset(log(exposure)): then e^offset is the exposure itself).
/// </summary>
internal sealed record Offset(string Column, bool Log)
{
    /// <summary><c>offset(log(e))</c> or <c>offset(o)</c>.</summary>
    public string Label => "offset(" + (Log ? "log(" + FormulaNames.Quote(Column) + ")" : FormulaNames.Quote(Column)) + ")";
}

/// <summary>The target: a column, or its natural logarithm for <c>log(y) ~ ...</c>.</summary>
internal sealed record Response(string Column, bool Log)
{
    /// <summary><c>y</c> or <c>log(y)</c>.</summary>
    public string Label => Log ? "log(" + FormulaNames.Quote(Column) + ")" : FormulaNames.Quote(Column);
}

/// <summary>
/// One term of the model: the interaction of one or more factors (a single factor is a main
/// effect). Two terms are equal when they have the same factors in any order: a:b equals b:a.
/// </summary>
internal sealed record Term(IReadOnlyList<Factor> Factors)
{
    /// <summary>The factors' labels joined by ':' in written order, e.g. <c>a:C(code)</c>.</summary>
    public string Label => string.Join(":", Factors.Select(factor => factor.Label));

    /// <summary>Like <see cref="Label"/> but with reference levels, so that it parses back to this term.</summary>
    public string Expression => string.Join(":", Factors.Select(factor => factor.Expression));

    /// <summary>The number of factors: 1 for a main effect, 2 for a two-way interaction.</summary>
    public int Degree => Factors.Count;

    public bool Equals(Term? other)
    {
        if (other is null || other.Factors.Count != Factors.Count)
        {
            return false;
        }
        // Set equality: containment both ways, so that a:b equals b:a whatever the order.
        return Factors.All(other.Factors.Contains) && other.Factors.All(Factors.Contains);
    }

    public override int GetHashCode()
    {
        // Order-independent: a:b and b:a must hash alike.
        int hash = 0;
        foreach (Factor factor in Factors)
        {
            hash ^= factor.GetHashCode();
        }
        return hash;
    }

    public override string ToString() => Label;
}

/// <summary>One column as it enters a term, possibly transformed.</summary>
internal abstract record Factor(string Column)
{
    /// <summary>The name of the factor in coefficient names, e.g. <c>C(code)</c> or <c>I(x^2)</c>.</summary>
    public abstract string Label { get; }

    /// <summary>The factor as it would be written in a formula; equals the label except for <c>C(x, ref=...)</c>.</summary>
    public virtual string Expression => Label;

    public sealed override string ToString() => Label;
}

/// <summary>A plain column: categorical if its values are text, continuous if numeric (decided from the data).</summary>
internal sealed record VariableFactor(string Column) : Factor(Column)
{
    public override string Label => FormulaNames.Quote(Column);
}

/// <summary><c>C(x)</c>: the column is categorical whatever its type; <c>C(x, ref="7")</c> also names the reference level.</summary>
/// <param name="ReferenceLevel">
/// The level written after <c>ref=</c>: a quoted value verbatim, an unquoted number in shortest
/// round-trip form (<c>ref=7.0</c> gives "7"); null when not given.
/// </param>
internal sealed record CategoricalFactor(string Column, string? ReferenceLevel) : Factor(Column)
{
    public override string Label => "C(" + FormulaNames.Quote(Column) + ")";

    public override string Expression => ReferenceLevel is null
        ? Label
        : "C(" + FormulaNames.Quote(Column) + ", ref=" + FormulaNames.QuoteString(ReferenceLevel) + ")";
}

/// <summary><c>log(x)</c>: the natural logarithm of a numeric column, continuous.</summary>
internal sealed record LogFactor(string Column) : Factor(Column)
{
    public override string Label => "log(" + FormulaNames.Quote(Column) + ")";
}

/// <summary><c>I(x^k)</c>: a numeric column to the whole power k &gt;= 1, continuous.</summary>
internal sealed record PowerFactor(string Column, int Power) : Factor(Column)
{
    public override string Label => "I(" + FormulaNames.Quote(Column) + "^" + Power.ToString(CultureInfo.InvariantCulture) + ")";
}

/// <summary><c>poly(x, k, raw=TRUE)</c>: the raw powers x, x^2, ..., x^k as k continuous columns.</summary>
internal sealed record PolyFactor(string Column, int Degree) : Factor(Column)
{
    public override string Label =>
        "poly(" + FormulaNames.Quote(Column) + ", " + Degree.ToString(CultureInfo.InvariantCulture) + ", raw=TRUE)";
}

/// <summary>How column names and level values are written back into formula text.</summary>
internal static class FormulaNames
{
    /// <summary>True for names written without backticks: [A-Za-z_.][A-Za-z0-9_.]*, not a number like ".5", not ".".</summary>
    public static bool IsPlainName(string name)
    {
        if (name.Length == 0 || !IsNameStart(name[0]) || name == ".")
        {
            return false;
        }
        // ".5" lexes as a number, so a name of that shape needs backticks.
        if (name[0] == '.' && name.Length > 1 && char.IsAsciiDigit(name[1]))
        {
            return false;
        }
        return name.All(IsNamePart);
    }

    public static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == '.';

    public static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.';

    /// <summary>The name as written in a formula: plain, or in backticks with \ and ` escaped.</summary>
    public static string Quote(string name) =>
        IsPlainName(name) ? name : "`" + Escape(name, '`') + "`";

    /// <summary>A level value as a double-quoted string with \ and " escaped.</summary>
    public static string QuoteString(string value) => "\"" + Escape(value, '"') + "\"";

    private static string Escape(string text, char quote)
    {
        var escaped = new StringBuilder(text.Length + 2);
        foreach (char c in text)
        {
            if (c == '\\' || c == quote)
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
