namespace Keel.Model;

/// <summary>
/// The order in which columns are tested for linear dependence; of collinear columns, the one
/// tested first is kept and the later one is reported aliased.
/// Rule: the intercept first; then whole terms from the most solved columns to the fewest (ties in
/// formula order); within a term, design order. So a coarse factor nested in a fine one is the one
/// reported aliased: in "region + city" (city within region), city is kept and
/// region[R3] = city[C012] + city[C044] + ... is aliased, however the formula orders them.
/// Among equal-sized terms it is formula order: [A, B, A] keeps A and B.
/// </summary>
internal static class DecisionOrder
{
    /// <summary>Solved column indices in decision order.</summary>
    public static int[] For(Design design)
    {
        var groups = new List<(string Term, List<int> Columns, int FirstSeen)>();
        for (int j = 0; j < design.SolvedCount; j++)
        {
            string term = design.Columns[design.ColumnOfSolved[j]].Term;
            int g = groups.FindIndex(x => x.Term == term);
            if (g < 0)
            {
                groups.Add((term, [j], groups.Count));
            }
            else
            {
                groups[g].Columns.Add(j);
            }
        }

        return groups
            .OrderBy(g => g.Term == "(Intercept)" ? 0 : 1)
            .ThenByDescending(g => g.Columns.Count)
            .ThenBy(g => g.FirstSeen)
            .SelectMany(g => g.Columns)
            .ToArray();
    }

    /// <summary>The solved columns of the term with the most columns after the intercept (the one a Schur step absorbs), in design order.</summary>
    public static int[] LargestTerm(Design design, int[] order)
    {
        int start = design.Formula.HasIntercept ? 1 : 0;
        if (start >= order.Length)
        {
            return [];
        }

        string term = design.Columns[design.ColumnOfSolved[order[start]]].Term;
        return order.Skip(start).TakeWhile(j => design.Columns[design.ColumnOfSolved[j]].Term == term).ToArray();
    }
}
