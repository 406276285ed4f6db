// Belsley's near-dependencies as COLLINEAR warnings a user can act on.
//
// Rule: Belsley, Kuh & Welsch (1980), Regression Diagnostics, §3.3: a near-dependency is harmful
//   when its scaled condition index eta = sigma_max/sigma_k is at least 30 and it accounts for at
//   least one half of the variance of two or more coefficients (DenseSolve lists exactly those as
//   NearDependency). Each such dependency becomes one warning naming its coefficients and what to do.
// Refinements (docs/diagnostics.md), so ordinary designs do not raise a storm:
//   1. The intercept and one continuous column alone (a covariate far from 0 next to its spread,
//      e.g. year = 2000..2020) are not warned about: centring the column leaves its slope and its
//      standard error unchanged, so only the intercept (the fitted value at x = 0) is imprecise.
//   2. Levels of one categorical term (at least half of them, with or without the intercept) whose
//      reference level has fewer rows than each of them is a rare reference level: every level's
//      coefficient is a contrast with a baseline measured on few rows. The warning says so and names
//      the most frequent level to use instead, C(f, ref="...").
//   3. At most MaxWarnings dependencies are warned about one by one; one more warning counts the rest.
// Invariant: a warning names only coefficients with a proportion of at least 0.5 in its dependency.
// Cost: one pass over the cells per rare-reference warning (the level counts).

using System.Globalization;
using Keel.Compression;
using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>The COLLINEAR messages for a design's near-dependencies.</summary>
internal static class CollinearityWarnings
{
    /// <summary>Near-dependencies warned about one by one; the rest are counted in one more message.</summary>
    public const int MaxWarnings = 8;

    /// <summary>Coefficient names listed in one message before "and N more".</summary>
    private const int MaxNamesShown = 6;

    /// <summary>One message per harmful near-dependency (Belsley's rule with the refinements in the header).</summary>
    /// <param name="design">The design solved.</param>
    /// <param name="nearDependencies">Each near-dependency's condition index and the solved columns with a variance proportion of at least 0.5.</param>
    public static IReadOnlyList<string> Messages(Design design, IEnumerable<(double ConditionIndex, IReadOnlyList<int> SolvedColumns)> nearDependencies)
    {
        var messages = new List<string>();
        int skipped = 0;
        foreach ((double conditionIndex, IReadOnlyList<int> solvedColumns) in nearDependencies)
        {
            DesignColumn[] columns = solvedColumns.Select(j => design.Columns[design.ColumnOfSolved[j]]).ToArray();
            string? message = MessageFor(design, conditionIndex, columns);
            if (message is null)
            {
                continue;
            }

            if (messages.Count < MaxWarnings)
            {
                messages.Add(message);
            }
            else
            {
                skipped++;
            }
        }

        if (skipped > 0)
        {
            messages.Add($"{skipped} more near-dependencies with a condition index of at least 30 are listed in diagnostics.near_dependencies; treat them as above (drop or combine one coefficient of each)");
        }

        return messages;
    }

    private static string? MessageFor(Design design, double conditionIndex, DesignColumn[] columns)
    {
        // Belsley's rule: two or more coefficients dominated by this singular value.
        if (columns.Length < 2)
        {
            return null;
        }

        bool hasIntercept = columns.Any(c => c.TermIndex < 0);
        var others = columns.Where(c => c.TermIndex >= 0).ToArray();
        string eta = conditionIndex.ToString(conditionIndex < 1e4 ? "0" : "0.#e0", CultureInfo.InvariantCulture);

        // Refinement 1: the intercept against one covariate far from zero; the slope is unaffected.
        if (hasIntercept && others.Length == 1 && others[0].Level is null)
        {
            return null;
        }

        // Refinement 2: levels of one categorical main effect (with or without the intercept, whose
        // variance may sit in another dependency) against a rare reference level.
        if (others.Length > 0 && others.All(c => c.Level is not null && c.TermIndex == others[0].TermIndex && c.Levels.Count == 1)
            && RareReference(design, others[0].TermIndex, others) is { } rare)
        {
            return $"{(hasIntercept ? "(Intercept) and " : string.Empty)}{Count(others.Length, "level")} of {others[0].Term} are nearly collinear (condition index {eta}): "
                + $"the reference level {rare.Reference} has only {rare.ReferenceRows:N0} of {rare.TotalRows:N0} rows, so every {others[0].Term} coefficient is a contrast with a poorly measured baseline; "
                + $"pick a frequent reference level, e.g. C({rare.Column}, ref=\"{rare.MostFrequent}\") ({rare.MostFrequentRows:N0} rows)";
        }

        return $"{Names(columns)} are nearly collinear (condition index {eta}; each has at least half of its variance in this one dependency): "
            + "their coefficients are individually unreliable even where their combined effect is well determined; drop one of them or combine them (a sum, mean or difference)"
            + (columns.Any(c => c.Level is not null) ? ", or merge rare levels" : string.Empty);
    }

    private static string Names(DesignColumn[] columns)
    {
        var shown = columns.Take(MaxNamesShown).Select(c => c.Name).ToList();
        if (columns.Length > MaxNamesShown)
        {
            return $"{string.Join(", ", shown)} and {columns.Length - MaxNamesShown} more";
        }

        return shown.Count == 2 ? $"{shown[0]} and {shown[1]}" : $"{string.Join(", ", shown.Take(shown.Count - 1))} and {shown[^1]}";
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private sealed record RareLevel(string Column, string Reference, long ReferenceRows, string MostFrequent, long MostFrequentRows, long TotalRows);

    // The reference level of a single-factor categorical term and its most frequent level, when the
    // dependency is the reference's: at least half of the term's levels are involved and the reference
    // has fewer rows than each of them (otherwise the general message).
    private static RareLevel? RareReference(Design design, int termIndex, DesignColumn[] involved)
    {
        DesignColumn? reference = design.Columns.FirstOrDefault(c => c.TermIndex == termIndex && c.IsReference);
        int levels = design.Columns.Count(c => c.TermIndex == termIndex && !c.IsReference);
        if (reference is null || reference.Levels.Count != 1 || 2 * involved.Length < levels)
        {
            return null;
        }

        string column = design.Formula.Terms[termIndex].Factors[0].Column;
        CellTable cells = design.Cells;
        int key = Array.FindIndex(cells.KeyColumns, k => k.Name == column);
        if (key < 0)
        {
            return null;
        }

        KeyColumn keyColumn = cells.KeyColumns[key];
        var rowsByLevel = new long[keyColumn.Count];
        for (int c = 0; c < cells.CellCount; c++)
        {
            rowsByLevel[cells.Code(c, key)] += cells.RowCount[c];
        }

        int referenceCode = Array.IndexOf(keyColumn.Labels, reference.Levels[0]);
        if (referenceCode < 0)
        {
            return null;
        }

        // The first most frequent level in canonical order, so the advice is the same on every run.
        int frequent = 0;
        for (int level = 1; level < rowsByLevel.Length; level++)
        {
            frequent = rowsByLevel[level] > rowsByLevel[frequent] ? level : frequent;
        }

        long fewestInvolved = involved.Min(c => Array.IndexOf(keyColumn.Labels, c.Levels[0]) is int code and >= 0 ? rowsByLevel[code] : 0);
        return rowsByLevel[referenceCode] < fewestInvolved
            ? new RareLevel(column, reference.Name, rowsByLevel[referenceCode], keyColumn.Labels[frequent], rowsByLevel[frequent], cells.Counts.RowsUsed)
            : null;
    }
}
