namespace Keel.Solvers.Penalized;

/// <summary>
/// Deterministic K-fold assignment of cells: a Fisher–Yates permutation of the cell indices driven by
/// SplitMix64 (Steele, Lea &amp; Flood 2014) from the seed, then fold = position mod K. Cells are in
/// canonical key order, so the folds depend only on the data and the seed — not on the row order,
/// the thread count or the machine. Folds are of cells, not rows: rows of one cell share x and only
/// their sums are kept, so a held-out cell is a held-out combination of the regressors.
/// </summary>
internal static class FoldAssignment
{
    public static int[] FoldOfCell(int cells, int folds, ulong seed)
    {
        if (folds < 2 || folds > cells)
        {
            throw KeelInputException.ForOption("--cv", $"--cv {folds}: expected between 2 and the number of cells ({cells}); folds are made of cells");
        }

        var order = new int[cells];
        for (int i = 0; i < cells; i++)
        {
            order[i] = i;
        }

        ulong state = seed;
        for (int i = cells - 1; i > 0; i--)
        {
            int k = (int)(LinearAlgebra.SplitMix64.Next(ref state) % (ulong)(i + 1));
            (order[i], order[k]) = (order[k], order[i]);
        }

        var fold = new int[cells];
        for (int position = 0; position < cells; position++)
        {
            fold[order[position]] = position % folds;
        }

        return fold;
    }
}
