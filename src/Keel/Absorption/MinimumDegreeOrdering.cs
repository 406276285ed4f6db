// Greedy minimum-degree elimination order and the fill pattern of the Cholesky factor, for sparse S.
//
// Objective: a symmetric permutation P of S and the exact pattern of L̃ (P·S·Pᵀ = L̃·L̃ᵀ) when that
//   pattern has at most a given number of entries; otherwise only an order (degree ascending) for an
//   incomplete factorisation on S's own pattern.
// Reference: Rose (1972), "A graph-theoretic study of the numerical solution of sparse positive definite
//   systems of linear equations" (elimination graphs; the pattern of L is the graph with every
//   eliminated node's neighbours made a clique); George & Liu (1989), "The evolution of the minimum
//   degree ordering algorithm", SIAM Review 31(1):1–19 (the greedy rule; ties broken here by index).
//   For a two-factor design S is a graph Laplacian (Correia 2016), and low-mobility designs give
//   long, thin graphs (chains and trees of levels) on which minimum degree produces little fill.
// Invariant: the order depends only on S's pattern (ties by node index, a min-heap on (degree,
//   node) with stale entries skipped), so it is the same on every machine and thread count.
// Cost: Σ over eliminated nodes of degree², in hash-set operations; aborts once the pattern of L̃
//   exceeds the budget or those operations exceed WorkPerEntry times it (memory: the adjacency sets).

namespace Keel.Absorption;

/// <summary>Minimum-degree order and symbolic Cholesky of a sparse symmetric pattern.</summary>
internal static class MinimumDegreeOrdering
{
    /// <summary>Hash-set updates allowed per entry of the budget (eliminating a node of degree d costs d²).</summary>
    public const long WorkPerEntry = 4;

    /// <summary>
    /// The elimination order (order[i] = node eliminated i-th) and, when L̃ has at most
    /// <paramref name="budget"/> off-diagonal entries, the pattern of each node's column of L̃
    /// (the neighbours it had when eliminated); null pattern when over budget.
    /// </summary>
    public static (int[] Order, int[][]? Later) Compute(int[] rowStart, int[] column, long budget)
    {
        int n = rowStart.Length - 1;
        var adjacency = new HashSet<int>[n];
        for (int i = 0; i < n; i++)
        {
            adjacency[i] = [];
        }

        for (int i = 0; i < n; i++)
        {
            for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
            {
                int k = column[e];
                if (k != i)
                {
                    adjacency[i].Add(k);
                    adjacency[k].Add(i);
                }
            }
        }

        var heap = new PriorityQueue<int, (int Degree, int Node)>();
        for (int i = 0; i < n; i++)
        {
            heap.Enqueue(i, (adjacency[i].Count, i));
        }

        var eliminated = new bool[n];
        var order = new int[n];
        var later = new int[n][];
        long entries = 0, work = 0;
        int done = 0;
        while (heap.TryDequeue(out int v, out var key))
        {
            if (eliminated[v] || key.Degree != adjacency[v].Count)
            {
                continue; // stale entry
            }

            int[] neighbours = [.. adjacency[v]];
            Array.Sort(neighbours);
            entries += neighbours.Length;
            work += (long)neighbours.Length * neighbours.Length;
            if (entries > budget || work > WorkPerEntry * budget)
            {
                return (DegreeOrder(rowStart, column), null);
            }

            eliminated[v] = true;
            order[done++] = v;
            later[v] = neighbours;
            foreach (int a in neighbours)
            {
                adjacency[a].Remove(v);
                foreach (int b in neighbours)
                {
                    if (b != a)
                    {
                        adjacency[a].Add(b);
                    }
                }
            }

            foreach (int a in neighbours)
            {
                heap.Enqueue(a, (adjacency[a].Count, a));
            }

            adjacency[v] = [];
        }

        return (order, later);
    }

    /// <summary>Nodes by ascending degree in S, ties by index: an order for IC(0) that leaves dense rows (the intercept) last.</summary>
    public static int[] DegreeOrder(int[] rowStart, int[] column)
    {
        int n = rowStart.Length - 1;
        var degree = new int[n];
        for (int i = 0; i < n; i++)
        {
            for (int e = rowStart[i]; e < rowStart[i + 1]; e++)
            {
                if (column[e] != i)
                {
                    degree[i]++;
                    degree[column[e]]++;
                }
            }
        }

        int[] order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => degree[a] != degree[b] ? degree[a].CompareTo(degree[b]) : a.CompareTo(b));
        return order;
    }
}
