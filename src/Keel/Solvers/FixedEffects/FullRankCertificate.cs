// FullRankCertificate: a combinatorial proof, from the rows alone, that three factors' effects are
// all identified, without forming the Schur complement.
//
// Objective: decide cheaply, and exactly when it answers yes, that X = [D_A D_B D_C] (indicators of
//   three factors) has the largest possible rank L_A + L_B + L_C − 2, i.e. that every contrast of
//   every factor is estimable (with an intercept: no level aliased).
// Argument: a null vector (α, β, γ) has α_a + β_b + γ_c = 0 on every row (a, b, c). Within the rows of
//   one level a of A (a segment: rows are sorted by A), β_b + γ_c = −α_a is one constant, so on each
//   connected component of the segment's bipartite graph (B levels – C levels, an edge per row) all β
//   are equal and all γ are equal (two B levels sharing a C neighbour c have β = −α_a − γ_c alike, and
//   so on along the component). Equalities chain across segments: a union-find over B levels and one
//   over C levels collect them. If all B levels end in one class and all C levels in one, β ≡ t and
//   γ ≡ u, so α ≡ −t − u on every row: the null space is the two constant directions only, the rank is
//   full. Otherwise nothing is concluded and the exact decision (FactorRank's Schur complement) runs.
//   The argument generalises the connectivity of two factors (Abowd, Creecy & Kramarz 2002; Eccleston
//   & Hedayat 1974 for connectedness in block designs) and is stronger than Weeks & Williams' (1964)
//   nexus condition, which needs rows that differ in one factor only: in fixest's benchmark shape
//   (500,000 / 3,162 / 215 levels over 10M rows) the nexus relation is far from connected, while this
//   certificate holds (it takes one shared C level in about half the segments to join all B levels).
// Invariant: the answer depends only on the set of rows (union-find class counts do not depend on the
//   order of the unions).
// Cost: one pass over the rows in segment order, runs of segments in parallel, each with its own
//   union-finds, merged at the end; memory a few arrays of L_B + L_C ints per run.

using Keel.Rows;

namespace Keel.Solvers.FixedEffects;

/// <summary>Full rank of three factors proved from within-segment connectivity (see the header).</summary>
internal static class FullRankCertificate
{
    /// <summary>True when the rows prove that every contrast of the three factors is estimable.</summary>
    /// <param name="rows">The rows, sorted by the absorbing factor A.</param>
    /// <param name="absorbing">A; the other two of the three model factors are B and C.</param>
    /// <param name="segmentStart">First row of each level of A, and the row count at the end.</param>
    /// <param name="threads">Threads over runs of segments; each run's equalities are merged afterwards (the answer is order-free).</param>
    public static bool Holds(RowColumns rows, int absorbing, int[] segmentStart, int threads = 1)
    {
        const int Runs = 32;
        int[] others = Enumerable.Range(0, 3).Where(f => f != absorbing).ToArray();
        int[] b = rows.Factors[others[0]].Codes;
        int[] c = rows.Factors[others[1]].Codes;
        int levelsB = rows.Factors[others[0]].LevelCount;
        int levelsC = rows.Factors[others[1]].LevelCount;
        int segments = segmentStart.Length - 1;
        var runB = new UnionFind[Runs];
        var runC = new UnionFind[Runs];
        Parallel.For(0, Runs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, run =>
        {
            var classB = new UnionFind(levelsB);
            var classC = new UnionFind(levelsC);
            // The segment's graph: local nodes numbered on first sight (B levels and C levels).
            var localOfB = new int[levelsB];
            var localOfC = new int[levelsC];
            var stampB = new int[levelsB];
            var stampC = new int[levelsC];
            Array.Fill(stampB, -1);
            Array.Fill(stampC, -1);
            var local = new UnionFind(0);
            var level = new List<(bool IsB, int Level)>();
            var first = new List<int>();
            int from = (int)((long)segments * run / Runs);
            int to = (int)((long)segments * (run + 1) / Runs);
            for (int seg = from; seg < to; seg++)
            {
                level.Clear();
                local.Reset(2 * (segmentStart[seg + 1] - segmentStart[seg]));
                for (int i = segmentStart[seg]; i < segmentStart[seg + 1]; i++)
                {
                    int nodeB = Local(stampB, localOfB, seg, b[i], true, level);
                    int nodeC = Local(stampC, localOfC, seg, c[i], false, level);
                    local.Union(nodeB, nodeC);
                }

                // Within each component, every B level joins the component's first B level, and
                // every C level its first C level (first[2·root] for B, first[2·root + 1] for C).
                first.Clear();
                for (int n = 0; n < 2 * level.Count; n++)
                {
                    first.Add(-1);
                }

                for (int n = 0; n < level.Count; n++)
                {
                    (bool isB, int l) = level[n];
                    int slot = (2 * local.Root(n)) + (isB ? 0 : 1);
                    if (first[slot] < 0)
                    {
                        first[slot] = l;
                    }
                    else
                    {
                        (isB ? classB : classC).Union(first[slot], l);
                    }
                }
            }

            runB[run] = classB;
            runC[run] = classC;
        });

        var allB = new UnionFind(levelsB);
        var allC = new UnionFind(levelsC);
        for (int run = 0; run < Runs; run++)
        {
            for (int l = 0; l < levelsB; l++)
            {
                allB.Union(l, runB[run].Root(l));
            }

            for (int l = 0; l < levelsC; l++)
            {
                allC.Union(l, runC[run].Root(l));
            }
        }

        return allB.Classes == 1 && allC.Classes == 1;
    }

    private static int Local(int[] stamp, int[] localOf, int segment, int levelCode, bool isB, List<(bool, int)> level)
    {
        if (stamp[levelCode] != segment)
        {
            stamp[levelCode] = segment;
            localOf[levelCode] = level.Count;
            level.Add((isB, levelCode));
        }

        return localOf[levelCode];
    }

    // Union-find with path halving (Tarjan & van Leeuwen 1984); the class count is order-free.
    private sealed class UnionFind(int size)
    {
        private int[] _parent = Enumerable.Range(0, size).ToArray();

        public int Classes { get; private set; } = size;

        public void Reset(int size)
        {
            if (_parent.Length < size)
            {
                _parent = new int[size];
            }

            for (int i = 0; i < size; i++)
            {
                _parent[i] = i;
            }

            Classes = size;
        }

        public int Root(int x)
        {
            while (_parent[x] != x)
            {
                _parent[x] = _parent[_parent[x]];
                x = _parent[x];
            }

            return x;
        }

        public void Union(int x, int y)
        {
            int rx = Root(x);
            int ry = Root(y);
            if (rx != ry)
            {
                _parent[Math.Max(rx, ry)] = Math.Min(rx, ry);
                Classes--;
            }
        }
    }
}
