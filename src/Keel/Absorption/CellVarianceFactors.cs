// The variance factor of every observed combination on the absorbed-factor path, exactly.
//
// Objective: h_c = x_cᵀ(XᵀWX)⁻¹x_c for each cell c, x_c the cell's (unweighted) design row over the
//   kept columns, so that a fitted mean's standard error is sigma·√h_c (--cells-out) without
//   forming (XᵀWX)⁻¹.
// Algebra: with the columns ordered [F | R] (F the absorbed factor, D_F = diag(d_f), R the kept
//   rest), XᵀWX = RᵀR for the block Cholesky factor R = [[D_F^½, D_F^-½·B], [0, Lᵀ]], B = X_FᵀWX_R,
//   L·Lᵀ = S the Schur complement. Then h_c = ‖R⁻ᵀx_c‖², and R⁻ᵀx_c = [D_F^-½·x_F ; L⁻¹(x_R − Bᵀ·D_F⁻¹·x_F)].
//   A cell has at most one absorbed level f, with value v, so x_F = v·e_f and Bᵀe_f = u_f (the
//   level's G_{R,f}, already built by the rank decision):
//       h_c = v²/d_f + ‖L⁻¹x_R − (v/d_f)·L⁻¹u_f‖².
//   L⁻¹u_f is formed once per level and shared by its cells; L⁻¹x_R costs one column of L⁻¹ per slot.
// Reference: Golub & Van Loan, Matrix Computations (4th ed.), §3.2.11 (block elimination); the
//   same identity as SchurComplement.CovarianceDiagonal (x_c = e_f there).
// Invariant: each cell's value is formed by one owner in a fixed order (columns of L⁻¹ in slot
//   order, then one sum of squares in position order): the same bits for any thread count.
// Cost: Σ_f |touched_f|·r + cells·(slots + 2)·r flops for r kept Schur columns.

using Keel.Model;

namespace Keel.Absorption;

/// <summary>h_c = x_cᵀ(XᵀWX)⁻¹x_c for every cell (see the header).</summary>
internal static class CellVarianceFactors
{
    /// <summary>Flops beyond which the factors are not computed (a few seconds).</summary>
    public const double Budget = 2e10;

    /// <summary>True when <see cref="Compute"/> fits in <see cref="Budget"/>.</summary>
    public static bool Affordable(Design design, SchurComplement.AbsorbedColumns levels, int keptRest)
    {
        double touched = levels.Touched.Sum(t => (double)t.Length);
        return (touched + ((double)design.CellCount * (design.SlotsPerCell + 2))) * keptRest <= Budget;
    }

    /// <param name="design">The design (cells).</param>
    /// <param name="levels">The absorbed levels with their G_{R,f}, over Schur positions.</param>
    /// <param name="positionOfRest">Schur position of each solved column, −1 for absorbed ones.</param>
    /// <param name="diagonalOfAbsorbed">d_f by solved column.</param>
    /// <param name="cholesky">The factor of S (kept positions, L).</param>
    /// <param name="threads">Threads over levels; the bits do not depend on it.</param>
    public static double[] Compute(Design design, SchurComplement.AbsorbedColumns levels, int[] positionOfRest, double[] diagonalOfAbsorbed, SequentialCholesky cholesky, int threads)
    {
        int r = cholesky.Kept.Count;
        double[] inv = cholesky.InverseLByColumn(threads);
        var keptOfPosition = new int[positionOfRest.Length];
        Array.Fill(keptOfPosition, -1);
        for (int t = 0; t < r; t++)
        {
            keptOfPosition[cholesky.Kept[t]] = t;
        }

        var levelOfColumn = new int[design.SolvedCount];
        Array.Fill(levelOfColumn, -1);
        for (int l = 0; l < levels.Level.Length; l++)
        {
            levelOfColumn[levels.Level[l]] = l;
        }

        // Cells grouped by their absorbed level (group levels.Length: no absorbed level), in cell order.
        int groups = levels.Level.Length + 1;
        var groupOfCell = new int[design.CellCount];
        var start = new int[groups + 1];
        for (int c = 0; c < design.CellCount; c++)
        {
            int g = levels.Level.Length;
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                g = j >= 0 && levelOfColumn[j] >= 0 ? levelOfColumn[j] : g;
            }

            groupOfCell[c] = g;
            start[g + 1]++;
        }

        for (int g = 0; g < groups; g++)
        {
            start[g + 1] += start[g];
        }

        var next = (int[])start.Clone();
        var cellsInOrder = new int[design.CellCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            cellsInOrder[next[groupOfCell[c]]++] = c;
        }

        var result = new double[design.CellCount];
        Parallel.For(
            0,
            groups,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => (OfLevel: new double[r], OfCell: new double[r]),
            (g, _, scratch) =>
            {
                bool absorbed = g < levels.Level.Length;
                Array.Clear(scratch.OfLevel);
                double d = 1;
                if (absorbed)
                {
                    d = diagonalOfAbsorbed[levels.Level[g]];
                    int[] touched = levels.Touched[g];
                    for (int k = 0; k < touched.Length; k++)
                    {
                        AddColumn(inv, r, keptOfPosition[touched[k]], levels.Value[g][k], scratch.OfLevel);
                    }
                }

                for (int at = start[g]; at < start[g + 1]; at++)
                {
                    result[cellsInOrder[at]] = CellFactor(design, cellsInOrder[at], positionOfRest, keptOfPosition, inv, r, absorbed ? d : double.NaN, scratch.OfLevel, scratch.OfCell);
                }

                return scratch;
            },
            _ => { });
        return result;
    }

    // v²/d + ‖L⁻¹x_R − (v/d)·L⁻¹u_f‖² for one cell; d is NaN for a cell without an absorbed level.
    private static double CellFactor(Design design, int c, int[] positionOfRest, int[] keptOfPosition, double[] inv, int r, double d, double[] ofLevel, double[] ofCell)
    {
        Array.Clear(ofCell);
        double v = 0;
        for (int s = 0; s < design.SlotsPerCell; s++)
        {
            int at = (c * design.SlotsPerCell) + s;
            int j = design.SlotColumn[at];
            if (j < 0)
            {
                continue;
            }

            if (positionOfRest[j] < 0)
            {
                v = design.SlotValue[at];
            }
            else
            {
                AddColumn(inv, r, keptOfPosition[positionOfRest[j]], design.SlotValue[at], ofCell);
            }
        }

        double h = 0;
        double ratio = double.IsNaN(d) ? 0 : v / d;
        for (int i = 0; i < r; i++)
        {
            double e = ofCell[i] - (ratio * ofLevel[i]);
            h += e * e;
        }

        return double.IsNaN(d) ? h : (v * v / d) + h;
    }

    // target += a·(column t of L⁻¹), which is zero above t; nothing for an aliased position (t < 0).
    private static void AddColumn(double[] inv, int r, int t, double a, double[] target)
    {
        if (t < 0)
        {
            return;
        }

        for (int i = t; i < r; i++)
        {
            target[i] += inv[(t * r) + i] * a;
        }
    }
}
