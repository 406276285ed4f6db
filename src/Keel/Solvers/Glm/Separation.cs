// Separation: levels whose maximum-likelihood estimate is infinite, found before iterating.
//
// Reference: Correia, Guimarães & Zylkin (2019), "Verifying the existence of maximum likelihood
//   estimates for generalized linear models", arXiv:1903.01633, §2 (existence: the MLE of a
//   Poisson model is finite iff no z = Xγ ≠ 0 has z ≥ 0 on rows with y = 0 and z = 0 on rows with
//   y > 0; of a logit model iff no z = Xγ ≠ 0 has z ≥ 0 where y = 1 and z ≤ 0 where y = 0), and
//   Albert & Anderson (1984) for logit. The rows where such a z is non-zero are "separated": their
//   fitted mean is 0 (or 1) at the supremum of the likelihood; dropping them leaves the MLE of the
//   other coefficients unchanged (Correia et al., Proposition 2), which is what ppmlhdfe reports.
// Certificate used here (the categorical case, the one that matters on cells): z = the indicator of
//   one level combination L of a categorical term, which is a column of X (a non-reference level) or,
//   for a main effect with an intercept, intercept − Σ other levels. L is separated when
//   poisson: Σ_{rows in L} w·y = 0;   binomial: Σ w·y = 0 (all 0) or Σ w·y = Σ w (all 1, as y ≤ 1).
//   The sums are the cells' exact sums, so the test is exact. For binomial, dropping one level can
//   make another one-sided (a and b crossed), so the test repeats until nothing changes; for
//   poisson dropped rows have y = 0 and change no other level's sum, so one pass suffices.
// Poisson separation by a combination of levels or continuous regressors (the paper's general
//   certificate) is SeparationCertificate's, run after this; binomial has only this check, and a
//   fit separated otherwise shows a coefficient running off (NOT_CONVERGED), as docs/glm.md says.
// Cost: one pass over cells per categorical term and round: O(cells · terms · rounds).

using Keel.Compression;
using Keel.Model;

namespace Keel.Solvers.Glm;

/// <summary>The separated cells and, for the warning, the level combinations that separate them.</summary>
/// <param name="CellIsSeparated">For each cell, true when its rows are dropped.</param>
/// <param name="Levels">Names of the separated level combinations (as coefficient names: <c>a[x]</c>, <c>a[x]:b[y]</c>), with their rows.</param>
/// <param name="Rows">Rows in the separated cells.</param>
internal sealed record SeparationResult(bool[] CellIsSeparated, IReadOnlyList<(string Level, long Rows, bool AllOne)> Levels, long Rows)
{
    public bool Any => Rows > 0 || Levels.Count > 0 || Combinations.Count > 0;

    /// <summary>Cells (named by their regressor values) separated by a combination of regressors (SeparationCertificate), with their rows.</summary>
    public IReadOnlyList<(string Cell, long Rows)> Combinations { get; init; } = [];
}

/// <summary>Finds separated level combinations of the categorical terms (see the file header).</summary>
internal static class Separation
{
    public static SeparationResult Detect(Design design, GlmFamily family)
    {
        CellTable cells = design.Cells;
        var separated = new bool[cells.CellCount];
        var levels = new List<(string, long, bool)>();
        var ownColumn = new HashSet<string>(StringComparer.Ordinal);
        foreach (DesignColumn column in design.Columns)
        {
            if (!column.IsReference && column.TermIndex >= 0 && column.Sub == 0)
            {
                ownColumn.Add(Key(column.TermIndex, column.Levels));
            }
        }

        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int t = 0; t < design.TermCodings.Count; t++)
            {
                IReadOnlyList<FactorCoding> codings = design.TermCodings[t];
                if (codings.Count == 0 || codings.Any(f => !f.IsCategorical))
                {
                    continue;
                }

                int[] keyOf = codings.Select(f => Array.FindIndex(cells.KeyColumns, k => k.Name == f.Column)).ToArray();
                bool mainEffectInSpan = codings.Count == 1 && design.Formula.HasIntercept;
                // Group the cells still in the fit by their level combination, in cell order.
                var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
                for (int c = 0; c < cells.CellCount; c++)
                {
                    if (separated[c])
                    {
                        continue;
                    }

                    string[] labels = keyOf.Select(k => cells.KeyColumns[k].Labels[cells.Code(c, k)]).ToArray();
                    string key = Key(t, labels);
                    if (!groups.TryGetValue(key, out Group? g))
                    {
                        g = new Group(labels);
                        groups[key] = g;
                    }

                    g.SumW.Add(in cells.SumW[c]);
                    g.SumWy.Add(in cells.SumWy[c]);
                    g.Rows += cells.RowCount[c];
                    g.Cells.Add(c);
                }

                foreach ((string key, Group g) in groups)
                {
                    if (!(mainEffectInSpan || ownColumn.Contains(key)) || g.SumW.IsZero)
                    {
                        continue;
                    }

                    bool allZero = g.SumWy.IsZero;
                    bool allOne = false;
                    if (family == GlmFamily.Binomial && !allZero)
                    {
                        ExactSum failures = g.SumW.Clone();
                        ExactSum negated = g.SumWy.Clone();
                        negated.Negate();
                        failures.Add(in negated);
                        allOne = failures.IsZero;
                    }

                    if (!allZero && !allOne)
                    {
                        continue;
                    }

                    foreach (int c in g.Cells)
                    {
                        separated[c] = true;
                    }

                    string name = string.Join(":", codings.Select((f, i) => $"{FactorLabel(design, t, i)}[{g.Labels[i]}]"));
                    levels.Add((name, g.Rows, allOne));
                    changed = family == GlmFamily.Binomial;
                }
            }
        }

        long rows = 0;
        for (int c = 0; c < cells.CellCount; c++)
        {
            rows += separated[c] ? cells.RowCount[c] : 0;
        }

        return new SeparationResult(separated, levels, rows);
    }

    /// <summary>The warning's sentence: which levels, what their rows had in common, how many rows were dropped.</summary>
    public static string Describe(SeparationResult s, GlmFamily family, long rowsUsed)
    {
        string infinite = family == GlmFamily.Poisson ? "a rate of exactly 0 (an effect of minus infinity on the log scale)" : "a probability of exactly 0 or 1 (an infinite log-odds)";
        var parts = new List<string>();
        if (s.Levels.Count > 0)
        {
            IEnumerable<string> named = s.Levels.Take(5).Select(l => $"{l.Level} ({l.Rows} row{(l.Rows == 1 ? string.Empty : "s")}, all {(family == GlmFamily.Poisson ? "zero" : l.AllOne ? "1" : "0")})");
            string more = s.Levels.Count > 5 ? $" and {s.Levels.Count - 5} more" : string.Empty;
            parts.Add($"{s.Levels.Count} level(s) have outcomes that are all the same: {string.Join(", ", named)}{more}");
        }

        if (s.Combinations.Count > 0)
        {
            long rows = s.Combinations.Sum(c => c.Rows);
            IEnumerable<string> named = s.Combinations.Take(5).Select(c => $"{c.Cell} ({c.Rows} row{(c.Rows == 1 ? string.Empty : "s")})");
            string more = s.Combinations.Count > 5 ? $" and {s.Combinations.Count - 5} more" : string.Empty;
            parts.Add(family == GlmFamily.Poisson
                ? $"{s.Combinations.Count} combination(s) of levels, {rows} rows all zero, can be fitted exactly by pushing a combination of coefficients to infinity although no single level is all zero (separation across terms, found by the certificate of Correia, Guimarães & Zylkin 2019): {string.Join("; ", named)}{more}"
                : $"{s.Combinations.Count} combination(s) of levels, {rows} rows each all 0 or all 1, can be fitted exactly by pushing a combination of coefficients to infinity although no single level is all 0 or all 1 (quasi-complete separation across terms, found by the certificate of Correia, Guimarães & Zylkin 2019 with the logit's signs): {string.Join("; ", named)}{more}");
        }

        return $"{string.Join("; also ", parts)}; the best fit gives them {infinite}, so their {s.Rows} of {rowsUsed} rows were dropped and their coefficients are null (the other estimates are those of the fit without these rows)";
    }

    private static string FactorLabel(Design design, int term, int factor) => design.Formula.Terms[term].Factors[factor].Label;

    private static string Key(int term, IReadOnlyList<string> levels) => term.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\u001f" + string.Join("\u001f", levels);

    private sealed class Group(string[] labels)
    {
        public string[] Labels { get; } = labels;

        public ExactSum SumW;

        public ExactSum SumWy;

        public long Rows;

        public List<int> Cells { get; } = [];
    }
}
