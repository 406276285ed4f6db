using System.Globalization;
using System.Text;
using Keel.Results;

namespace Keel.Diagnostics;

/// <summary>
/// Says in words what an aliased coefficient depends on: "region[R3] = city[C012] + city[C044]",
/// and, over all aliased coefficients, which terms determine which ("region is determined by city").
/// </summary>
internal static class AliasExplainer
{
    private const int MaxPartnersShown = 8;

    public static string Explain(string name, IReadOnlyList<(string Name, double Coefficient)> partners)
    {
        if (partners.Count == 0)
        {
            return $"{name} is zero in every row used (no data for it)";
        }

        var text = new StringBuilder(name).Append(" =");
        for (int i = 0; i < partners.Count && i < MaxPartnersShown; i++)
        {
            (string partner, double k) = partners[i];
            text.Append(i == 0 ? (k < 0 ? " -" : " ") : (k < 0 ? " - " : " + "));
            double a = Math.Abs(k);
            if (Math.Abs(a - Math.Round(a)) > 1e-9 || Math.Round(a) != 1)
            {
                text.Append(a.ToString("0.######", CultureInfo.InvariantCulture)).Append('·');
            }

            text.Append(partner);
        }

        if (partners.Count > MaxPartnersShown)
        {
            text.Append(CultureInfo.InvariantCulture, $" + ... ({partners.Count - MaxPartnersShown} more)");
        }

        return text.ToString();
    }

    public static string Summarize(IReadOnlyList<CoefficientResult> aliased)
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
