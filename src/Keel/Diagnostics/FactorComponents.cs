// FactorComponents: connected components of the graph whose nodes are the levels of two factors and
// whose edges are the rows (a row joins its level of each). With an intercept and treatment coding,
// two factors' indicators have rank L_a + L_b − C for C components (Abowd, Creecy & Kramarz 2002,
// "Computing person and firm effects using linked longitudinal employer-employee data", §2.2;
// Eaton 2002): one level effect per component beyond the first is not identified.
// Method: union–find with path halving and union by size (Tarjan 1975), over the rows in order.
// Invariant: components are numbered by their smallest level of the first factor (then of the
//   second, for levels of the second with no row): the numbering depends only on the edges.
// Cost: O(n·α(n)) time, O(L_a + L_b) memory.
namespace Keel.Diagnostics;

internal static class FactorComponents
{
    /// <summary>The component of every level of a (first) and of b (after), numbered canonically; returns the count.</summary>
    public static int Find(int[] a, int levelsA, int[] b, int levelsB, out int[] componentOfA, out int[] componentOfB)
    {
        int nodes = levelsA + levelsB;
        var parent = new int[nodes];
        var size = new int[nodes];
        for (int v = 0; v < nodes; v++)
        {
            parent[v] = v;
            size[v] = 1;
        }

        int Root(int v)
        {
            while (parent[v] != v)
            {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }

            return v;
        }

        for (int i = 0; i < a.Length; i++)
        {
            int x = Root(a[i]);
            int y = Root(levelsA + b[i]);
            if (x != y)
            {
                if (size[x] < size[y])
                {
                    (x, y) = (y, x);
                }

                parent[y] = x;
                size[x] += size[y];
            }
        }

        var number = new int[nodes];
        Array.Fill(number, -1);
        int count = 0;
        componentOfA = new int[levelsA];
        componentOfB = new int[levelsB];
        for (int v = 0; v < nodes; v++)
        {
            int root = Root(v);
            if (number[root] < 0)
            {
                number[root] = count++;
            }

            if (v < levelsA)
            {
                componentOfA[v] = number[root];
            }
            else
            {
                componentOfB[v - levelsA] = number[root];
            }
        }

        return count;
    }
}
