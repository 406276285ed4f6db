// The Schur complement S = C − Bᵀ·D⁻¹·B of an absorbed factor, sparse, over the kept remaining columns.
//
// Objective: with a_c the weighted design row of cell c (√w_c·x_c), F the absorbed factor (one column
//   per cell at most, so D = diag(Σ_{c∈f} a_cf²)) and u_f = Σ_{c∈f} a_cf·a_c,R:
//       S = Σ_c a_c,R·a_c,Rᵀ − Σ_f u_f·u_fᵀ / D_f.
//   For an intercept and two factors, S restricted to the second factor is the weighted Laplacian of
//   the graph whose nodes are its levels, joined through shared levels of the absorbed factor (plus a
//   diagonal from the cells at the absorbed factor's reference level): the two-factor graph of
//   Correia (2016), "A feasible estimator for linear models with multi-way fixed effects", and
//   Abowd, Kramarz & Margolis (1999).
// Invariant: each entry is summed in one fixed order (cells in cell order, then absorbed levels in
//   level order with their columns in first-touch order), serially: the bits depend only on the cells.
// Cost: Σ_c e_c² + Σ_f t_f² entry updates (e_c kept entries of cell c, t_f kept columns touched by
//   level f); TryBuildLower declines when that exceeds the caller's budget. Diagonal is O(cells·slots).

using Keel.Model;

namespace Keel.Absorption;

/// <summary>Sparse S (lower triangle, CSR) or its diagonal, over the kept non-absorbed columns.</summary>
internal static class SparseSchurComplement
{
    /// <summary>
    /// The lower triangle of S in CSR (columns ascending, the diagonal last in each row), or null when
    /// forming it would take more than <paramref name="budget"/> entry updates.
    /// </summary>
    public static (int[] RowStart, int[] Column, double[] Value)? TryBuildLower(Design design, int[] absorbedOfCell, double[] absorbedValueOfCell, int absorbedCount, int[] keptOfColumn, int keptCount, long budget)
    {
        AbsorbedLevels byLevel = AbsorbedLevels.Group(absorbedOfCell, absorbedCount);
        int[] cellsOf = byLevel.Cells, cellStart = byLevel.CellStart;
        var entries = new List<(int Kept, double Value)>();
        var stamp = new int[keptCount];
        long work = 0;
        for (int c = 0; c < design.CellCount; c++)
        {
            long e = KeptEntries(design, c, keptOfColumn, entries);
            work += e * (e + 1) / 2;
        }

        Array.Fill(stamp, -1);
        for (int k = 0; k < absorbedCount; k++)
        {
            long touched = 0;
            for (int i = cellStart[k]; i < cellStart[k + 1]; i++)
            {
                KeptEntries(design, cellsOf[i], keptOfColumn, entries);
                foreach ((int a, _) in entries)
                {
                    if (stamp[a] != k)
                    {
                        stamp[a] = k;
                        touched++;
                    }
                }
            }

            work += touched * (touched + 1) / 2;
            if (work > budget)
            {
                return null;
            }
        }

        var sum = new Dictionary<long, double>();
        for (int c = 0; c < design.CellCount; c++)
        {
            KeptEntries(design, c, keptOfColumn, entries);
            foreach ((int a, double va) in entries)
            {
                foreach ((int b, double vb) in entries)
                {
                    if (b <= a)
                    {
                        Add(sum, ((long)a * keptCount) + b, va * vb);
                    }
                }
            }
        }

        var u = new double[keptCount];
        var touchedList = new List<int>();
        Array.Fill(stamp, -1);
        for (int k = 0; k < absorbedCount; k++)
        {
            double d = Projection(design, k, cellsOf, cellStart, absorbedValueOfCell, keptOfColumn, entries, u, stamp, touchedList);
            foreach (int a in touchedList)
            {
                foreach (int b in touchedList)
                {
                    if (b <= a)
                    {
                        Add(sum, ((long)a * keptCount) + b, -(u[a] * u[b] / d));
                    }
                }
            }
        }

        long[] keys = [.. sum.Keys];
        Array.Sort(keys);
        var rowStart = new int[keptCount + 1];
        var column = new int[keys.Length];
        var value = new double[keys.Length];
        for (int e = 0; e < keys.Length; e++)
        {
            int a = (int)(keys[e] / keptCount);
            column[e] = (int)(keys[e] % keptCount);
            value[e] = sum[keys[e]];
            rowStart[a + 1]++;
        }

        for (int a = 0; a < keptCount; a++)
        {
            rowStart[a + 1] += rowStart[a];
        }

        return (rowStart, column, value);
    }

    /// <summary>For each absorbed position, how many kept columns its cells touch.</summary>
    public static int[] TouchedByAbsorbed(Design design, int[] absorbedOfCell, int absorbedCount, int[] keptOfColumn)
    {
        AbsorbedLevels byLevel = AbsorbedLevels.Group(absorbedOfCell, absorbedCount);
        int[] cellsOf = byLevel.Cells, cellStart = byLevel.CellStart;
        var entries = new List<(int Kept, double Value)>();
        var stamp = new int[keptOfColumn.Length];
        Array.Fill(stamp, -1);
        var touched = new int[absorbedCount];
        for (int k = 0; k < absorbedCount; k++)
        {
            for (int i = cellStart[k]; i < cellStart[k + 1]; i++)
            {
                KeptEntries(design, cellsOf[i], keptOfColumn, entries);
                foreach ((int a, _) in entries)
                {
                    if (stamp[a] != k)
                    {
                        stamp[a] = k;
                        touched[k]++;
                    }
                }
            }
        }

        return touched;
    }

    /// <summary>diag(S): Σ_c a_ca² − Σ_f u_fa²/D_f for each kept column a.</summary>
    public static double[] Diagonal(Design design, int[] absorbedOfCell, double[] absorbedValueOfCell, int absorbedCount, int[] keptOfColumn, int keptCount)
    {
        AbsorbedLevels byLevel = AbsorbedLevels.Group(absorbedOfCell, absorbedCount);
        int[] cellsOf = byLevel.Cells, cellStart = byLevel.CellStart;
        var entries = new List<(int Kept, double Value)>();
        var diagonal = new double[keptCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            KeptEntries(design, c, keptOfColumn, entries);
            foreach ((int a, double va) in entries)
            {
                diagonal[a] += va * va;
            }
        }

        var u = new double[keptCount];
        var stamp = new int[keptCount];
        Array.Fill(stamp, -1);
        var touched = new List<int>();
        for (int k = 0; k < absorbedCount; k++)
        {
            double d = Projection(design, k, cellsOf, cellStart, absorbedValueOfCell, keptOfColumn, entries, u, stamp, touched);
            foreach (int a in touched)
            {
                diagonal[a] -= u[a] * u[a] / d;
            }
        }

        return diagonal;
    }

    // u = Σ_{c∈k} a_ck·a_c,kept over k's cells in cell order (touched: its nonzero positions in
    // first-touch order); returns D_k = Σ a_ck², summed in the same order as the operator's.
    private static double Projection(Design design, int k, int[] cellsOf, int[] cellStart, double[] absorbedValueOfCell, int[] keptOfColumn, List<(int, double)> entries, double[] u, int[] stamp, List<int> touched)
    {
        foreach (int a in touched)
        {
            u[a] = 0;
        }

        touched.Clear();
        double d = 0;
        for (int i = cellStart[k]; i < cellStart[k + 1]; i++)
        {
            int c = cellsOf[i];
            double af = absorbedValueOfCell[c];
            d += af * af;
            KeptEntries(design, c, keptOfColumn, entries);
            foreach ((int a, double va) in entries)
            {
                if (stamp[a] != k)
                {
                    stamp[a] = k;
                    touched.Add(a);
                }

                u[a] += af * va;
            }
        }

        return d;
    }

    private static void Add(Dictionary<long, double> sum, long key, double value)
    {
        ref double slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(sum, key, out _);
        slot += value;
    }

    // Cell c's weighted entries √w_c·v on the kept non-absorbed columns, in slot order.
    private static int KeptEntries(Design design, int c, int[] keptOfColumn, List<(int, double)> entries)
    {
        entries.Clear();
        double sqrtW = Math.Sqrt(design.CellWeight[c]);
        int at = c * design.SlotsPerCell;
        for (int s = 0; s < design.SlotsPerCell; s++)
        {
            int j = design.SlotColumn[at + s];
            if (j >= 0 && keptOfColumn[j] >= 0)
            {
                entries.Add((keptOfColumn[j], sqrtW * design.SlotValue[at + s]));
            }
        }

        return entries.Count;
    }
}
