// Entry point of formula parsing: text -> syntax tree (FormulaReader, recursive descent over
// the EBNF in its header) -> expanded terms (FormulaExpansion). docs/formula.md has the
// grammar, the expansion rules and examples.
//
// Contract: for any string, Parse either returns a Formula or throws KeelInputException with a
// one-line message naming the 1-based column of the problem; it never throws anything else.
namespace Keel.Model;

internal static class FormulaParser
{
    /// <summary>Parses an R/patsy-style formula such as <c>log(y) ~ C(code, ref="7") + a*b - 1</c>.</summary>
    /// <exception cref="KeelInputException">The text is not a formula Keel supports; the message says where and why.</exception>
    public static Formula Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (AbsorbedPart.Split(text) is { } split)
        {
            // fixest's form "y ~ x | f1 + f2": the factors after the bar are categorical terms
            // appended to the model (their levels are still coefficients) and marked absorbed.
            FormulaReader.Read(split.Model);  // errors of the model part, with columns of the text as written
            FormulaSyntax withFactors = FormulaReader.Read(split.Model + string.Concat(split.Factors.Select(f => " + C(" + FormulaNames.Quote(f) + ")")));
            Formula expanded = FormulaExpansion.Expand(withFactors, text);
            expanded = expanded with { Absorbed = split.Factors };
            AbsorbedPart.CheckExpanded(expanded);
            return expanded;
        }

        FormulaSyntax syntax = FormulaReader.Read(text);
        return FormulaExpansion.Expand(syntax, text);
    }
}
