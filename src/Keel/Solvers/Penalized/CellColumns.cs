using Keel.Model;

namespace Keel.Solvers.Penalized;

/// <summary>
/// The design by columns (compressed sparse columns over cells) for coordinate descent: for each
/// solved column, the cells it is non-zero in, in increasing cell order, and its values there.
/// Built once from the slot form in O(cells × slots); never a one-hot matrix.
/// </summary>
internal sealed class CellColumns
{
    private CellColumns(int[] start, int[] cellOfEntry, double[] valueOfEntry, int cellCount)
    {
        Start = start;
        CellOfEntry = cellOfEntry;
        ValueOfEntry = valueOfEntry;
        CellCount = cellCount;
    }

    /// <summary>Entries of column j are Start[j] .. Start[j+1]−1.</summary>
    public int[] Start { get; }

    public int[] CellOfEntry { get; }

    public double[] ValueOfEntry { get; }

    public int CellCount { get; }

    public int ColumnCount => Start.Length - 1;

    public static CellColumns From(Design design)
    {
        int p = design.SolvedCount;
        var count = new int[p + 1];
        int slots = design.SlotsPerCell;
        for (int at = 0; at < design.SlotColumn.Length; at++)
        {
            int j = design.SlotColumn[at];
            if (j >= 0)
            {
                count[j + 1]++;
            }
        }

        for (int j = 0; j < p; j++)
        {
            count[j + 1] += count[j];
        }

        var next = (int[])count.Clone();
        var cellOf = new int[count[p]];
        var valueOf = new double[count[p]];
        for (int c = 0; c < design.CellCount; c++)
        {
            for (int s = 0; s < slots; s++)
            {
                int j = design.SlotColumn[(c * slots) + s];
                if (j < 0)
                {
                    continue;
                }

                // A cell can fill one column from two slots only in degenerate formulas; merge them.
                int last = next[j] - 1;
                if (last >= count[j] && cellOf[last] == c)
                {
                    valueOf[last] += design.SlotValue[(c * slots) + s];
                    continue;
                }

                cellOf[next[j]] = c;
                valueOf[next[j]] = design.SlotValue[(c * slots) + s];
                next[j]++;
            }
        }

        // Compact when merges left gaps.
        int write = 0;
        var start = new int[p + 1];
        for (int j = 0; j < p; j++)
        {
            start[j] = write;
            for (int e = count[j]; e < next[j]; e++)
            {
                cellOf[write] = cellOf[e];
                valueOf[write] = valueOf[e];
                write++;
            }
        }

        start[p] = write;
        return new CellColumns(start, cellOf[..write], valueOf[..write], design.CellCount);
    }
}
