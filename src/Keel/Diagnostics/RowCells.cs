// RowCells: the pure-error (within-cell) sum of squares of a row-path fit of factors alone, so
// that the lack-of-fit test the cell path gives (Draper & Smith, Applied Regression Analysis, §2.1)
// exists on the rows too.
//
// Cells: rows equal in every model factor's code. The canonical order (CanonicalRowOrder) sorts by
//   the absorbing factor, then by the further factors' codes in order, the model's before any
//   cluster-only column, so each cell's rows are one contiguous run.
// Sum: per run of m ≥ 2 rows, Σ (y − ȳ)² with ȳ the run's mean (two passes: no cancellation of
//   Σy² against (Σy)²/m, the reason the cell path works in double-double), runs added in row order
//   on one thread: the same bits for any row order of the file or thread count.
using Keel.Rows;

namespace Keel.Diagnostics;

/// <summary>The cells of a row-path fit of factors alone and their pure error.</summary>
/// <param name="Cells">Distinct combinations of the model factors' levels.</param>
/// <param name="CellsWithReplicates">Cells of two or more rows.</param>
/// <param name="PureErrorSs">Σ over cells of Σ (y − cell mean)².</param>
internal sealed record RowCells(long Cells, long CellsWithReplicates, double PureErrorSs)
{
    /// <summary>Runs of equal model codes in the canonically ordered rows (their target not yet residualised).</summary>
    /// <param name="modelFactors">The first this many of rows.Factors are the model's.</param>
    public static RowCells Find(RowColumns rows, int modelFactors)
    {
        int n = rows.Count;
        double[] y = rows.Target;
        int[][] codes = rows.Factors.Take(modelFactors).Select(f => f.Codes).ToArray();
        long cells = 0;
        long replicated = 0;
        double pure = 0;
        int start = 0;
        while (start < n)
        {
            int end = start + 1;
            while (end < n && SameCell(codes, start, end))
            {
                end++;
            }

            cells++;
            if (end - start > 1)
            {
                replicated++;
                double sum = 0;
                for (int i = start; i < end; i++)
                {
                    sum += y[i];
                }

                double mean = sum / (end - start);
                for (int i = start; i < end; i++)
                {
                    double d = y[i] - mean;
                    pure += d * d;
                }
            }

            start = end;
        }

        return new RowCells(cells, replicated, pure);
    }

    private static bool SameCell(int[][] codes, int a, int b)
    {
        foreach (int[] c in codes)
        {
            if (c[a] != c[b])
            {
                return false;
            }
        }

        return true;
    }
}
