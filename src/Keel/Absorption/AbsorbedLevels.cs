// AbsorbedLevels: the one per-level structure of the absorbed factor, shared by the rank decision
// and the covariance diagonal (SchurComplement), the preconditioner's sparse Schur complement
// (SparseSchurComplement) and, through them, the standard errors.
//
// Objective: for each level f of the absorbed factor, the cells in it, as one array cut by offsets.
// Method: a counting sort of the cells by level (two passes over the cells).
// Invariant: levels ascending and, within a level, cells ascending: every sum over a level's cells
//   runs in cell order, so what is built from it depends only on the cells, never on threads.
// Cost: O(cells + levels) time, one int per cell and per level.
using Keel.Model;

namespace Keel.Absorption;

/// <summary>The cells of each level of the absorbed factor, levels and cells ascending.</summary>
internal sealed class AbsorbedLevels
{
    private AbsorbedLevels(int[] cellStart, int[] cells)
    {
        CellStart = cellStart;
        Cells = cells;
    }

    /// <summary>Level f's cells are Cells[CellStart[f] .. CellStart[f + 1]).</summary>
    public int[] CellStart { get; }

    /// <summary>The cells of every level, level after level.</summary>
    public int[] Cells { get; }

    /// <summary>Number of levels (some may have no cell).</summary>
    public int Count => CellStart.Length - 1;

    /// <summary>The cells of level <paramref name="level"/>, ascending.</summary>
    public ReadOnlySpan<int> CellsOf(int level) => Cells.AsSpan(CellStart[level], CellStart[level + 1] - CellStart[level]);

    /// <summary>Groups cells by <paramref name="levelOfCell"/> (−1: in no level) over <paramref name="levelCount"/> levels.</summary>
    public static AbsorbedLevels Group(int[] levelOfCell, int levelCount)
    {
        var cellStart = new int[levelCount + 1];
        foreach (int k in levelOfCell)
        {
            if (k >= 0)
            {
                cellStart[k + 1]++;
            }
        }

        for (int k = 0; k < levelCount; k++)
        {
            cellStart[k + 1] += cellStart[k];
        }

        var next = (int[])cellStart.Clone();
        var cells = new int[cellStart[levelCount]];
        for (int c = 0; c < levelOfCell.Length; c++)
        {
            int k = levelOfCell[c];
            if (k >= 0)
            {
                cells[next[k]++] = c;
            }
        }

        return new AbsorbedLevels(cellStart, cells);
    }

    /// <summary>Cells grouped by their absorbed solved column (levels indexed by solved column; a cell has at most one).</summary>
    public static AbsorbedLevels OfColumns(Design design, bool[] isAbsorbed)
    {
        var columnOfCell = new int[design.CellCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            columnOfCell[c] = -1;
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int j = design.SlotColumn[(c * design.SlotsPerCell) + s];
                if (j >= 0 && isAbsorbed[j])
                {
                    columnOfCell[c] = j;
                }
            }
        }

        return Group(columnOfCell, design.SolvedCount);
    }
}
