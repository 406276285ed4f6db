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
// Used by the row path (FactorRank, rows sorted by A) and the cell path beyond the dense Schur
//   limit (IterativeSolve: cells are the distinct combinations, so the argument holds for them).
// Cost: one pass over the rows in segment order, runs of segments in parallel, each with its own
//   union-finds, merged at the end; memory a few arrays of L_B + L_C ints per run.

using System.Runtime.CompilerServices;
using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>Full rank of three factors proved from within-segment connectivity (see the header).</summary>
internal static class FullRankCertificate
{
    /// <summary>True when the rows prove that every contrast of the three factors is estimable.</summary>
    /// <param name="b">B's level of each row (or cell), rows grouped by A's level.</param>
    /// <param name="c">C's level of each row.</param>
    /// <param name="levelsB">B's level count.</param>
    /// <param name="levelsC">C's level count.</param>
    /// <param name="segmentStart">First row of each level of A, and the row count at the end.</param>
    /// <param name="threads">Threads over runs of segments; each run's equalities are merged afterwards (the answer is order-free).</param>
    public static bool Holds(int[] b, int[] c, int levelsB, int levelsC, int[] segmentStart, int threads = 1)
    {
        const int Runs = 32;
        int segments = segmentStart.Length - 1;
        var runB = new UnionFind[Runs];
        var runC = new UnionFind[Runs];
        Parallel.For(0, Runs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (run) =>
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

    /// <summary>
    /// The cell path: an intercept and three categorical main effects (indicator coding), each cell
    /// with positive weight one row of the argument (cells are the distinct combinations, so the
    /// argument is the same). Null when the design is not of that form.
    /// </summary>
    public static bool? HoldsForCells(Design design, int threads = 1)
    {
        if (!design.Formula.HasIntercept || design.Formula.Terms.Count != 3 || design.SlotsPerCell != 4
            || design.Formula.Terms.Any(t => t.Factors.Count != 1))
        {
            return null;
        }

        // Each slot 1..3 holds one term's column (−1 at its reference level): codes by slot, the
        // reference level coded after the term's columns.
        int p = design.SolvedCount;
        var slotOfColumn = new int[p];
        Array.Fill(slotOfColumn, -1);
        var codeOfColumn = new int[p];
        var levels = new int[4];
        for (int cell = 0; cell < design.CellCount; cell++)
        {
            for (int s = 1; s < 4; s++)
            {
                int j = design.SlotColumn[(cell * 4) + s];
                if (j < 0)
                {
                    continue;
                }

                if (design.SlotValue[(cell * 4) + s] != 1.0 || (slotOfColumn[j] >= 0 && slotOfColumn[j] != s))
                {
                    return null;  // not a pure indicator coding, one term per slot
                }

                if (slotOfColumn[j] < 0)
                {
                    slotOfColumn[j] = s;
                    codeOfColumn[j] = levels[s]++;
                }
            }
        }

        var code = new int[4][];
        int kept = 0;
        for (int s = 1; s < 4; s++)
        {
            code[s] = new int[design.CellCount];
        }

        for (int cell = 0; cell < design.CellCount; cell++)
        {
            if (!(design.CellWeight[cell] > 0))
            {
                continue;
            }

            for (int s = 1; s < 4; s++)
            {
                int j = design.SlotColumn[(cell * 4) + s];
                code[s][kept] = j >= 0 ? codeOfColumn[j] : levels[s];  // the reference level last
            }

            kept++;
        }

        if (kept == 0)
        {
            return null;
        }

        // A: the slot with most levels; cells grouped by its level (counting sort, cell order kept).
        int a = Enumerable.Range(1, 3).OrderByDescending(s => levels[s]).First();
        int[] bc = [.. Enumerable.Range(1, 3).Where(s => s != a)];
        int levelsA = levels[a] + 1;
        var segmentStart = new int[levelsA + 1];
        for (int i = 0; i < kept; i++)
        {
            segmentStart[code[a][i] + 1]++;
        }

        for (int l = 0; l < levelsA; l++)
        {
            segmentStart[l + 1] += segmentStart[l];
        }

        var next = segmentStart[..levelsA];
        var b = new int[kept];
        var c = new int[kept];
        for (int i = 0; i < kept; i++)
        {
            int at = next[code[a][i]]++;
            b[at] = code[bc[0]][i];
            c[at] = code[bc[1]][i];
        }

        // Levels of A with no cell (all weight 0) leave empty segments, which join nothing.
        return Holds(b, c, levels[bc[0]] + 1, levels[bc[1]] + 1, segmentStart, threads);
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
