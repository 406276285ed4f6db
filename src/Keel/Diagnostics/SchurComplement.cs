using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>
/// The pieces of <see cref="AbsorbedGram"/> that touch the cells: forming S = G_RR − G_RF·D⁻¹·G_FR,
/// expressing a dependent column in all kept columns, and the covariance diagonal.
/// Every sum runs over cells in cell order and over absorbed levels in level order: fixed orders.
/// </summary>
internal static class SchurComplement
{
    /// <summary>Forms S (row-major q×q over the non-absorbed columns), D and the Gram diagonal of the rest.</summary>
    public static double[] Build(Design design, bool[] isAbsorbed, int[] positionOfRest, int q, out double[] diagonalOfAbsorbed, out double[] gramDiagonal)
    {
        var s = new double[q * q];
        var d = new double[design.SolvedCount];
        var g = new double[q];
        var entries = new List<(int Position, double Value)>();
        for (int c = 0; c < design.CellCount; c++)
        {
            double w = design.CellWeight[c];
            RestEntries(design, c, positionOfRest, entries, out int f, out double vf);
            if (f >= 0)
            {
                d[f] += w * vf * vf;
            }

            foreach ((int a, double va) in entries)
            {
                g[a] += w * va * va;
                foreach ((int b, double vb) in entries)
                {
                    s[(a * q) + b] += w * va * vb;
                }
            }
        }

        var u = new double[q];
        var isTouched = new bool[q];
        var touched = new List<int>();
        foreach ((int f, int[] cells) in CellsByAbsorbed(design, isAbsorbed))
        {
            GramAgainstAbsorbed(design, cells, positionOfRest, u, isTouched, touched, entries);
            foreach (int a in touched)
            {
                foreach (int b in touched)
                {
                    s[(a * q) + b] -= u[a] * u[b] / d[f];
                }
            }

            foreach (int a in touched)
            {
                u[a] = 0;
            }
        }

        diagonalOfAbsorbed = d;
        gramDiagonal = g;
        return s;
    }

    /// <summary>a_j = Σ z_t·a_kept(t) + Σ_f c_f·a_f with c = D⁻¹(G_Fj − G_FK·z); tiny coefficients pruned.</summary>
    public static IReadOnlyList<(int, double)> FullDependency(Design design, bool[] isAbsorbed, int[] positionOfRest, int[] rest, double[] diagonalOfAbsorbed, SequentialCholesky cholesky, double[] onKept, int column)
    {
        var coefficient = new double[design.SolvedCount];
        var zByPosition = new double[rest.Length];
        for (int t = 0; t < onKept.Length; t++)
        {
            coefficient[rest[cholesky.Kept[t]]] = onKept[t];
            zByPosition[cholesky.Kept[t]] = onKept[t];
        }

        int target = positionOfRest[column];
        var entries = new List<(int Position, double Value)>();
        for (int c = 0; c < design.CellCount; c++)
        {
            RestEntries(design, c, positionOfRest, entries, out int f, out double vf);
            if (f < 0)
            {
                continue;
            }

            double residual = 0;
            foreach ((int a, double va) in entries)
            {
                residual += (a == target ? va : 0.0) - (zByPosition[a] * va);
            }

            coefficient[f] += design.CellWeight[c] * vf * residual;
        }

        double largest = 0;
        for (int j = 0; j < coefficient.Length; j++)
        {
            if (isAbsorbed[j])
            {
                coefficient[j] /= diagonalOfAbsorbed[j];
            }

            largest = Math.Max(largest, Math.Abs(coefficient[j]));
        }

        // Coefficients below √eps of the largest are rounding residue of exact zeros.
        double cutoff = largest * Math.ScaleB(1.0, -26);
        var result = new List<(int, double)>();
        for (int j = 0; j < coefficient.Length; j++)
        {
            if (j != column && Math.Abs(coefficient[j]) > cutoff)
            {
                result.Add((j, coefficient[j]));
            }
        }

        return result;
    }

    /// <summary>diag((XᵀWX)⁻¹) over solved columns (NaN when aliased), or null when the absorbed part would cost too much.</summary>
    public static double[]? CovarianceDiagonal(Design design, bool[] isAbsorbed, int[] positionOfRest, int[] rest, double[] diagonalOfAbsorbed, SequentialCholesky cholesky, bool[] aliased)
    {
        int r = cholesky.Kept.Count;
        var absorbedCells = CellsByAbsorbed(design, isAbsorbed).ToList();
        // Each absorbed level costs about r² flops (a dense triangular product); skip beyond ~3e9.
        if ((double)absorbedCells.Count * r * r > 3e9)
        {
            return null;
        }

        double[] inv = cholesky.InverseL();
        var result = new double[design.SolvedCount];
        Array.Fill(result, double.NaN);
        for (int t = 0; t < r; t++)
        {
            double sum = 0;
            for (int i = t; i < r; i++)
            {
                sum += inv[(i * r) + t] * inv[(i * r) + t];
            }

            result[rest[cholesky.Kept[t]]] = sum;
        }

        var keptPositionOf = new int[rest.Length];
        Array.Fill(keptPositionOf, -1);
        for (int t = 0; t < r; t++)
        {
            keptPositionOf[cholesky.Kept[t]] = t;
        }

        var u = new double[rest.Length];
        var isTouched = new bool[rest.Length];
        var touched = new List<int>();
        var entries = new List<(int, double)>();
        var projected = new double[r];
        foreach ((int f, int[] cells) in absorbedCells)
        {
            GramAgainstAbsorbed(design, cells, positionOfRest, u, isTouched, touched, entries);
            Array.Clear(projected);
            foreach (int a in touched)
            {
                int t = keptPositionOf[a];
                if (t >= 0)
                {
                    for (int i = t; i < r; i++)
                    {
                        projected[i] += inv[(i * r) + t] * u[a];
                    }
                }

                u[a] = 0;
            }

            double norm2 = 0;
            foreach (double v in projected)
            {
                norm2 += v * v;
            }

            double df = diagonalOfAbsorbed[f];
            result[f] = (1.0 / df) + (norm2 / (df * df));
        }

        for (int j = 0; j < result.Length; j++)
        {
            result[j] = aliased[j] ? double.NaN : result[j];
        }

        return result;
    }

    // Cell c's entries over the non-absorbed columns, and its absorbed column (or -1) with its value.
    private static void RestEntries(Design design, int c, int[] positionOfRest, List<(int, double)> entries, out int absorbed, out double absorbedValue)
    {
        entries.Clear();
        absorbed = -1;
        absorbedValue = 0;
        int at = c * design.SlotsPerCell;
        for (int s = 0; s < design.SlotsPerCell; s++)
        {
            int j = design.SlotColumn[at + s];
            if (j < 0)
            {
                continue;
            }

            if (positionOfRest[j] >= 0)
            {
                entries.Add((positionOfRest[j], design.SlotValue[at + s]));
            }
            else
            {
                absorbed = j;
                absorbedValue = design.SlotValue[at + s];
            }
        }
    }

    // u = G_{R,f} = Σ_{c in f} w·v_cf·r_c, accumulated in cell order; touched lists its nonzero positions.
    private static void GramAgainstAbsorbed(Design design, int[] cells, int[] positionOfRest, double[] u, bool[] isTouched, List<int> touched, List<(int, double)> entries)
    {
        foreach (int a in touched)
        {
            isTouched[a] = false;
        }

        touched.Clear();
        foreach (int c in cells)
        {
            RestEntries(design, c, positionOfRest, entries, out _, out double vf);
            double w = design.CellWeight[c] * vf;
            foreach ((int a, double va) in entries)
            {
                if (!isTouched[a])
                {
                    isTouched[a] = true;
                    touched.Add(a);
                }

                u[a] += w * va;
            }
        }
    }

    // Cells grouped by their absorbed column, levels ascending and cells ascending within a level.
    private static IEnumerable<(int Column, int[] Cells)> CellsByAbsorbed(Design design, bool[] isAbsorbed)
    {
        var byColumn = new Dictionary<int, List<int>>();
        for (int c = 0; c < design.CellCount; c++)
        {
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                if (j >= 0 && isAbsorbed[j])
                {
                    if (!byColumn.TryGetValue(j, out var list))
                    {
                        byColumn[j] = list = [];
                    }

                    list.Add(c);
                }
            }
        }

        return byColumn.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value.ToArray()));
    }
}
