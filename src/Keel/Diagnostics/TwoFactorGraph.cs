using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>
/// Exact rank and aliasing for an intercept plus two treatment-coded factors, in O(cells), however
/// many levels: the closed form behind every fixed-effects solver.
/// Levels of both factors are the nodes of a bipartite graph; each cell is an edge. For a connected
/// component K, Σ_{a∈K} A_a = Σ_{b∈K} B_b (both are the indicator of K's rows), and these are the only
/// dependencies, so rank = |A| + |B| − (components) and exactly one column per component is aliased
/// (Abowd, Kramarz &amp; Margolis 1999; Eaton 1983 on connectedness in two-way layouts).
/// With the decision order (intercept, the larger factor A, then B in design order) the aliased column
/// of a component is its last B column, except in the component holding B's reference level, where
/// the relation involves no B column at all and nothing more is aliased.
/// Dependency: B_last = Σ_{a∈K} A_a − Σ_{b∈K, b≠last} B_b, with A's reference level written as
/// (Intercept) − Σ_{all non-reference a} A_a when it lies in K.
/// </summary>
internal static class TwoFactorGraph
{
    public static (bool[] Aliased, Dictionary<int, IReadOnlyList<(int Column, double Coefficient)>> Dependencies)? TryCreate(Design design)
    {
        if (!design.Formula.HasIntercept || design.Formula.Terms.Count != 2 || design.SlotsPerCell != 3
            || design.Formula.Terms.Any(t => t.Factors.Count != 1))
        {
            return null;
        }

        int[] order = DecisionOrder.For(design);
        string termA = TermOf(design, order[1]);
        int p = design.SolvedCount;
        var isA = new bool[p];
        for (int j = 1; j < p; j++)
        {
            isA[j] = TermOf(design, j) == termA;
        }

        // Nodes: solved columns 1..p-1, then A's reference (p) and B's reference (p + 1).
        int referenceA = p, referenceB = p + 1;
        var parent = Enumerable.Range(0, p + 2).ToArray();
        for (int c = 0; c < design.CellCount; c++)
        {
            int a = referenceA, b = referenceB;
            for (int s = 1; s < 3; s++)
            {
                int j = design.SlotColumn[(c * 3) + s];
                double v = design.SlotValue[(c * 3) + s];
                if (j >= 0 && v != 1.0)
                {
                    return null; // not a pure indicator coding
                }

                if (j >= 0)
                {
                    (isA[j] ? ref a : ref b) = j;
                }
            }

            Union(parent, a, b);
        }

        var aliased = new bool[p];
        var dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>();
        var members = Enumerable.Range(1, p + 1).GroupBy(node => Find(parent, node));
        foreach (var component in members)
        {
            var nodes = component.ToList();
            if (nodes.Contains(referenceB))
            {
                continue;
            }

            var bColumns = nodes.Where(n => n < p && !isA[n]).OrderBy(n => n).ToList();
            int last = bColumns[^1];
            aliased[last] = true;
            var terms = new Dictionary<int, double>();
            foreach (int a in nodes.Where(n => n < p && isA[n]))
            {
                terms[a] = 1.0;
            }

            if (nodes.Contains(referenceA))
            {
                // A_ref = (Intercept) − Σ_all A_a: the component's A columns cancel, the others enter with −1.
                terms.Clear();
                terms[0] = 1.0;
                for (int a = 1; a < p; a++)
                {
                    if (isA[a] && !nodes.Contains(a))
                    {
                        terms[a] = -1.0;
                    }
                }
            }

            foreach (int b in bColumns.Take(bColumns.Count - 1))
            {
                terms[b] = -1.0;
            }

            dependencies[last] = terms.OrderBy(t => t.Key).Select(t => (t.Key, t.Value)).ToList();
        }

        return (aliased, dependencies);
    }

    private static string TermOf(Design design, int solved) => design.Columns[design.ColumnOfSolved[solved]].Term;

    private static int Find(int[] parent, int x)
    {
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }

        return x;
    }

    private static void Union(int[] parent, int a, int b)
    {
        int ra = Find(parent, a), rb = Find(parent, b);
        if (ra != rb)
        {
            // Smaller root wins: the structure, not the visiting order, decides the representative.
            (ra, rb) = ra < rb ? (ra, rb) : (rb, ra);
            parent[rb] = ra;
        }
    }
}
