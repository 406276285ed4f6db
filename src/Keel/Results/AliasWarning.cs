namespace Keel.Results;

/// <summary>
/// The ALIASED warning of a result: over all aliased coefficients, which terms determine which
/// ("3 of region (region is determined by city, e.g. region[R2] = city[C02] + ...)"), from the
/// coefficients' own explanations (Diagnostics/AliasExplainer).
/// </summary>
internal static class AliasWarning
{
    public static string Text(IReadOnlyList<CoefficientResult> aliased)
    {
        var byTerm = aliased.GroupBy(c => c.Term).Select(g =>
        {
            var partnerTerms = g.SelectMany(c => c.AliasedWith ?? []).Select(TermOf).Distinct().Where(t => t != g.Key).ToList();
            string by = partnerTerms.Count == 0 ? "has no rows of its own" : $"is determined by {string.Join(" and ", partnerTerms)}";
            return $"{g.Count()} of {g.Key} ({g.Key} {by}, e.g. {g.First().AliasExplanation})";
        });
        return $"{aliased.Count} coefficient(s) are not identified by the data and are reported as null: {string.Join("; ", byTerm)}. Drop one of the terms, or read the per-combination values, which are identified";
    }

    // "city[C012]" → "city"; "a[x]:b[y]" → "a:b"; "x" → "x"
    private static string TermOf(string name)
    {
        var parts = name.Split(':').Select(p => p.IndexOf('[', StringComparison.Ordinal) is int i and > 0 ? p[..i] : p);
        return string.Join(':', parts);
    }
}
