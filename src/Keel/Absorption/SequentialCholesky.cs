// SequentialCholesky: rank decisions on a symmetric positive semi-definite matrix by a Cholesky
// factorisation that deletes dependent columns, with every entry's sum in one fixed order.
//
// Objective: decide the columns of a q×q matrix A (row-major) in index order: column j is kept when
//   its pivot, its squared distance from the span of the kept columns before it, exceeds
//   tolerance·reference[j]; a deleted column is expressed in the kept ones before it.
// Reference: Golub & Van Loan, Matrix Computations (4th ed.), Algorithm 4.2.2 (gaxpy Cholesky) and
//   §4.2.8 (blocking); Higham, Accuracy and Stability of Numerical Algorithms (2nd ed.), §10.3 for
//   semi-definite matrices.
// Invariant: after column j, L·Lᵀ equals A restricted to the kept columns so far. Every entry is one
//   sequential chain, l[j,t] = (a[j,k_t] − l[j,0]·l[k_t,0] − l[j,1]·l[k_t,1] − …)/l[k_t,t] and the pivot
//   a[j,j] − l[j,0]² − …, each product and difference rounded separately (never FMA). Only the
//   schedule is blocked: rows are decided in blocks of BlockRows; before a block, each of its rows is
//   solved against the columns kept before the block in panels of PanelRows rows that run side by side
//   in vector lanes (one lane per row, so a lane does exactly the scalar chain), and the chains between
//   the block's own rows are carried to the same point; then the block's rows are decided one by one,
//   continuing each chain where it stopped. The bits therefore equal the unblocked algorithm's for any
//   thread count and any vector width (a test compares them), and the rank decisions are unchanged.
// Cost: q³/3 flops for A, as 4-wide vector products and differences (about 8x the scalar loop's
//   speed, whose dependent subtractions waited on each other); the inverse of L and the back
//   substitutions of deleted columns are laid out the same way (lanes = columns). Memory: q² doubles
//   for L, PanelRows·q per panel.

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Keel.Absorption;

/// <summary>
/// Left-looking Cholesky with column deletion of a symmetric positive semi-definite matrix; the
/// entries and decisions of the textbook row-by-row algorithm, computed in blocks (see the header).
/// </summary>
internal sealed class SequentialCholesky
{
    /// <summary>Rows in one panel: eight 4-wide accumulators, enough independent chains to hide the subtraction latency.</summary>
    internal const int PanelRows = 32;

    /// <summary>Rows decided per block; its panels run in parallel.</summary>
    internal const int BlockRows = 4 * PanelRows;

    /// <summary>Columns per group of the inverse and of the back substitutions (four 4-wide accumulators).</summary>
    private const int GroupColumns = 16;

    private readonly double[] _l;

    private SequentialCholesky(int size, double[] l, List<int> kept, List<(int, double[])> dependencies)
    {
        Size = size;
        _l = l;
        Kept = kept;
        Dependencies = dependencies;
    }

    public int Size { get; }

    /// <summary>Kept columns, in order; kept column t has position t in L.</summary>
    public List<int> Kept { get; }

    /// <summary>Each deleted column with its coefficients on the kept columns before it (by kept position).</summary>
    public List<(int Column, double[] OnKept)> Dependencies { get; }

    /// <summary>L[i, t] for kept positions i, t (row i of L is kept column Kept[i]).</summary>
    public double L(int i, int t) => _l[(Kept[i] * Size) + t];

    /// <summary>Factors A (row-major q×q, read only), deciding columns in index order (see the header).</summary>
    /// <param name="reference">Per column, the scale its pivot is compared with (usually its squared norm).</param>
    /// <param name="threads">Threads for the panels of a block; the bits do not depend on it.</param>
    public static SequentialCholesky Factor(double[] a, int q, double[] reference, double tolerance, int threads = 1)
    {
        var l = new double[q * q];
        var kept = new List<int>();
        var deleted = new List<(int Column, double[] Row)>();
        var panels = new double[BlockRows / PanelRows][];
        var carried = new double[BlockRows * BlockRows];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        for (int j0 = 0; j0 < q; j0 += BlockRows)
        {
            int rows = Math.Min(BlockRows, q - j0);
            int panelCount = (rows + PanelRows - 1) / PanelRows;
            int[] before = [.. kept];

            // Each row of the block against the columns kept before it: panels are independent.
            Parallel.For(0, panelCount, options, p =>
            {
                double[] x = panels[p] ??= new double[q * PanelRows];
                SolvePanel(a, l, q, before, j0 + (p * PanelRows), Math.Min(PanelRows, rows - (p * PanelRows)), x);
            });
            for (int p = 0; p < panelCount; p++)
            {
                for (int lane = 0; lane < Math.Min(PanelRows, rows - (p * PanelRows)); lane++)
                {
                    int rowJ = (j0 + (p * PanelRows) + lane) * q;
                    for (int t = 0; t < before.Length; t++)
                    {
                        l[rowJ + t] = panels[p][(t * PanelRows) + lane];
                    }
                }
            }

            // The chains between the block's rows (and each pivot's), carried over the same columns.
            Parallel.For(0, panelCount, options, p => CarryChains(a, q, j0, rows, before.Length, panels, p, carried));

            // The block's rows decided one by one, each chain continued where it stopped.
            int k0 = before.Length;
            for (int r = 0; r < rows; r++)
            {
                int j = j0 + r;
                int rowJ = j * q;
                int count = kept.Count;
                for (int t = k0; t < count; t++)
                {
                    int rowK = kept[t] * q;
                    double s = carried[(r * BlockRows) + (kept[t] - j0)];
                    for (int i = k0; i < t; i++)
                    {
                        s -= l[rowJ + i] * l[rowK + i];
                    }

                    l[rowJ + t] = s / l[rowK + t];
                }

                double d = carried[(r * BlockRows) + r];
                for (int t = k0; t < count; t++)
                {
                    d -= l[rowJ + t] * l[rowJ + t];
                }

                if (d <= tolerance * reference[j])
                {
                    deleted.Add((j, l.AsSpan(rowJ, count).ToArray()));
                    Array.Clear(l, rowJ, q);
                    continue;
                }

                l[rowJ + count] = Math.Sqrt(d);
                kept.Add(j);
            }
        }

        return new SequentialCholesky(q, l, kept, BackSubstitute(l, q, kept, deleted, threads));
    }

    // Rows first .. first+count−1 against the kept columns `before`: x[t·PanelRows + lane] = l[row, t].
    private static void SolvePanel(double[] a, double[] l, int q, int[] before, int first, int count, double[] x)
    {
        Span<double> start = stackalloc double[PanelRows];
        Span<double> chain = stackalloc double[PanelRows];
        for (int t = 0; t < before.Length; t++)
        {
            int rowK = before[t] * q;
            start.Clear();
            for (int lane = 0; lane < count; lane++)
            {
                start[lane] = a[((first + lane) * q) + before[t]];
            }

            Chains(start, x, l.AsSpan(rowK, t), chain);
            double pivot = l[rowK + t];
            for (int lane = 0; lane < PanelRows; lane++)
            {
                x[(t * PanelRows) + lane] = chain[lane] / pivot;
            }
        }
    }

    // For the rows of panel p (lanes) and every block row r′ up to the panel's last: the chain
    // a[j, j0+r′] − Σ_{i<k0} l[j,i]·l[j0+r′,i], into carried[r·BlockRows + r′].
    private static void CarryChains(double[] a, int q, int j0, int rows, int k0, double[][] panels, int p, double[] carried)
    {
        Span<double> start = stackalloc double[PanelRows];
        Span<double> chain = stackalloc double[PanelRows];
        var other = new double[k0];
        int count = Math.Min(PanelRows, rows - (p * PanelRows));
        int last = (p * PanelRows) + count;
        for (int r = 0; r < last; r++)
        {
            double[] y = panels[r / PanelRows];
            for (int i = 0; i < k0; i++)
            {
                other[i] = y[(i * PanelRows) + (r % PanelRows)];
            }

            start.Clear();
            for (int lane = 0; lane < count; lane++)
            {
                start[lane] = a[((j0 + (p * PanelRows) + lane) * q) + j0 + r];
            }

            Chains(start, panels[p], other, chain);
            for (int lane = 0; lane < count; lane++)
            {
                carried[(((p * PanelRows) + lane) * BlockRows) + r] = chain[lane];
            }
        }
    }

    // The panel's PanelRows chains side by side: chain[lane] = start[lane] − x[0·P + lane]·b[0] −
    // x[1·P + lane]·b[1] − … over b's length, each product and difference rounded separately, in
    // eight 4-wide accumulators (the same operations as one scalar chain per lane, at any vector width).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains(ReadOnlySpan<double> start, double[] x, ReadOnlySpan<double> b, Span<double> chain)
    {
        ref double s0 = ref MemoryMarshal.GetReference(start);
        ref double xs = ref MemoryMarshal.GetArrayDataReference(x);
        Vector256<double> c0 = Vector256.LoadUnsafe(ref s0, 0), c1 = Vector256.LoadUnsafe(ref s0, 4);
        Vector256<double> c2 = Vector256.LoadUnsafe(ref s0, 8), c3 = Vector256.LoadUnsafe(ref s0, 12);
        Vector256<double> c4 = Vector256.LoadUnsafe(ref s0, 16), c5 = Vector256.LoadUnsafe(ref s0, 20);
        Vector256<double> c6 = Vector256.LoadUnsafe(ref s0, 24), c7 = Vector256.LoadUnsafe(ref s0, 28);
        for (int i = 0; i < b.Length; i++)
        {
            var bi = Vector256.Create(b[i]);
            nuint at = (nuint)(i * PanelRows);
            c0 = Vector256.Subtract(c0, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at), bi));
            c1 = Vector256.Subtract(c1, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 4), bi));
            c2 = Vector256.Subtract(c2, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 8), bi));
            c3 = Vector256.Subtract(c3, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 12), bi));
            c4 = Vector256.Subtract(c4, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 16), bi));
            c5 = Vector256.Subtract(c5, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 20), bi));
            c6 = Vector256.Subtract(c6, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 24), bi));
            c7 = Vector256.Subtract(c7, Vector256.Multiply(Vector256.LoadUnsafe(ref xs, at + 28), bi));
        }

        ref double r0 = ref MemoryMarshal.GetReference(chain);
        c0.StoreUnsafe(ref r0, 0);
        c1.StoreUnsafe(ref r0, 4);
        c2.StoreUnsafe(ref r0, 8);
        c3.StoreUnsafe(ref r0, 12);
        c4.StoreUnsafe(ref r0, 16);
        c5.StoreUnsafe(ref r0, 20);
        c6.StoreUnsafe(ref r0, 24);
        c7.StoreUnsafe(ref r0, 28);
    }

    /// <summary>
    /// The inverse of L over kept positions, column-major r×r (column t holds L⁻¹[i, t] for i ≥ t at
    /// [t·r + i]). Column t is the forward substitution L·v = e_t with v[i] = −(Σ_{s=t}^{i−1} L[i,s]·v[s])/L[i,i],
    /// each sum one chain in s ascending; columns run GroupColumns at a time in vector lanes, a lane
    /// subtracting exact zeros (from +0, so nothing changes) before its own column starts: the same bits
    /// as one column at a time, for any thread count.
    /// </summary>
    /// <param name="threads">Threads for the column groups; no bit depends on them.</param>
    /// <param name="storage">An array of at least r² doubles the caller no longer needs (the matrix it
    /// factored), overwritten with the inverse instead of allocating one: r² doubles less at the peak.</param>
    public double[] InverseLByColumn(int threads = 1, double[]? storage = null)
    {
        int r = Kept.Count;
        double[] inv;
        if (storage is not null && storage.Length >= r * r)
        {
            inv = storage;
            Array.Clear(inv, 0, r * r);  // the entries above each column's start are read as 0
        }
        else
        {
            inv = new double[r * r];
        }

        int groups = (r + GroupColumns - 1) / GroupColumns;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, g => InverseGroup(inv, g * GroupColumns));
        return inv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InverseGroup(double[] inv, int first)
    {
        int r = Kept.Count;
        var v = new double[(r - first) * GroupColumns];
        ref double vs = ref MemoryMarshal.GetArrayDataReference(v);
        Vector256<double> lane0 = Vector256.Create(first + 0.0, first + 1.0, first + 2.0, first + 3.0);
        Vector256<double> column0 = lane0, column1 = lane0 + Vector256.Create(4.0), column2 = lane0 + Vector256.Create(8.0), column3 = lane0 + Vector256.Create(12.0);
        for (int i = first; i < r; i++)
        {
            ReadOnlySpan<double> row = _l.AsSpan(Kept[i] * Size, Size);
            Vector256<double> c0 = Vector256<double>.Zero, c1 = c0, c2 = c0, c3 = c0;
            for (int s = first; s < i; s++)
            {
                var b = Vector256.Create(row[s]);
                nuint at = (nuint)((s - first) * GroupColumns);
                c0 = Vector256.Subtract(c0, Vector256.Multiply(b, Vector256.LoadUnsafe(ref vs, at)));
                c1 = Vector256.Subtract(c1, Vector256.Multiply(b, Vector256.LoadUnsafe(ref vs, at + 4)));
                c2 = Vector256.Subtract(c2, Vector256.Multiply(b, Vector256.LoadUnsafe(ref vs, at + 8)));
                c3 = Vector256.Subtract(c3, Vector256.Multiply(b, Vector256.LoadUnsafe(ref vs, at + 12)));
            }

            var diagonal = Vector256.Create(row[i]);
            var index = Vector256.Create((double)i);
            nuint to = (nuint)((i - first) * GroupColumns);
            InverseEntry(c0, diagonal, index, column0).StoreUnsafe(ref vs, to);
            InverseEntry(c1, diagonal, index, column1).StoreUnsafe(ref vs, to + 4);
            InverseEntry(c2, diagonal, index, column2).StoreUnsafe(ref vs, to + 8);
            InverseEntry(c3, diagonal, index, column3).StoreUnsafe(ref vs, to + 12);
        }

        for (int lane = 0; lane < GroupColumns && first + lane < r; lane++)
        {
            int col = first + lane;
            for (int i = col; i < r; i++)
            {
                inv[(col * r) + i] = v[((i - first) * GroupColumns) + lane];
            }
        }
    }

    // Row i of columns `column` (lanes): 0 above the column's start, 1/L[i,i] on it, the substitution below.
    private static Vector256<double> InverseEntry(Vector256<double> sum, Vector256<double> diagonal, Vector256<double> index, Vector256<double> column)
    {
        Vector256<double> below = Vector256.Divide(sum, diagonal);
        Vector256<double> onDiagonal = Vector256.Divide(Vector256.Create(1.0), diagonal);
        Vector256<double> value = Vector256.ConditionalSelect(Vector256.Equals(index, column), onDiagonal, below);
        return Vector256.ConditionalSelect(Vector256.LessThan(index, column), Vector256<double>.Zero, value);
    }

    // Each deleted column's coefficients z on the kept columns before it (r_d of them): L_Kᵀ z = l_d,
    // z[t] = (l_d[t] − Σ_{i=t+1}^{r_d−1} L[k_i, t]·z[i]) / L[k_t, t], each sum one chain in i ascending.
    // Deleted columns run GroupColumns at a time in vector lanes over a transposed copy of L (so the
    // chain reads a row); a lane leaves its sum untouched (a select, not a zero product) past its r_d.
    private static List<(int, double[])> BackSubstitute(double[] l, int q, List<int> kept, List<(int Column, double[] Row)> deleted, int threads)
    {
        var result = new (int, double[])[deleted.Count];
        if (deleted.Count == 0)
        {
            return [];
        }

        int r = deleted.Max(d => d.Row.Length);
        var transposed = new double[r * r];
        for (int i = 0; i < r; i++)
        {
            int rowK = kept[i] * q;
            for (int t = 0; t <= i; t++)
            {
                transposed[(t * r) + i] = l[rowK + t];
            }
        }

        int groups = (deleted.Count + GroupColumns - 1) / GroupColumns;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, g =>
        {
            int first = g * GroupColumns;
            int members = Math.Min(GroupColumns, deleted.Count - first);
            var rhs = new double[r * GroupColumns];
            var lengths = new double[GroupColumns];
            for (int m = 0; m < members; m++)
            {
                double[] row = deleted[first + m].Row;
                lengths[m] = row.Length;
                for (int t = 0; t < row.Length; t++)
                {
                    rhs[(t * GroupColumns) + m] = row[t];
                }
            }

            var z = new double[r * GroupColumns];
            SubstituteGroup(transposed, l, q, kept, r, lengths, rhs, z);
            for (int m = 0; m < members; m++)
            {
                var onKept = new double[deleted[first + m].Row.Length];
                for (int t = 0; t < onKept.Length; t++)
                {
                    onKept[t] = z[(t * GroupColumns) + m];
                }

                result[first + m] = (deleted[first + m].Column, onKept);
            }
        });
        return [.. result];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubstituteGroup(double[] transposed, double[] l, int q, List<int> kept, int r, double[] lengths, double[] rhs, double[] z)
    {
        ref double zs = ref MemoryMarshal.GetArrayDataReference(z);
        ref double bs = ref MemoryMarshal.GetArrayDataReference(rhs);
        ref double ls = ref MemoryMarshal.GetArrayDataReference(lengths);
        Vector256<double> n0 = Vector256.LoadUnsafe(ref ls, 0), n1 = Vector256.LoadUnsafe(ref ls, 4);
        Vector256<double> n2 = Vector256.LoadUnsafe(ref ls, 8), n3 = Vector256.LoadUnsafe(ref ls, 12);
        for (int t = r - 1; t >= 0; t--)
        {
            nuint at = (nuint)(t * GroupColumns);
            Vector256<double> c0 = Vector256.LoadUnsafe(ref bs, at), c1 = Vector256.LoadUnsafe(ref bs, at + 4);
            Vector256<double> c2 = Vector256.LoadUnsafe(ref bs, at + 8), c3 = Vector256.LoadUnsafe(ref bs, at + 12);
            int row = t * r;
            for (int i = t + 1; i < r; i++)
            {
                var b = Vector256.Create(transposed[row + i]);
                var index = Vector256.Create((double)i);
                nuint from = (nuint)(i * GroupColumns);
                c0 = Vector256.ConditionalSelect(Vector256.LessThan(index, n0), Vector256.Subtract(c0, Vector256.Multiply(b, Vector256.LoadUnsafe(ref zs, from))), c0);
                c1 = Vector256.ConditionalSelect(Vector256.LessThan(index, n1), Vector256.Subtract(c1, Vector256.Multiply(b, Vector256.LoadUnsafe(ref zs, from + 4))), c1);
                c2 = Vector256.ConditionalSelect(Vector256.LessThan(index, n2), Vector256.Subtract(c2, Vector256.Multiply(b, Vector256.LoadUnsafe(ref zs, from + 8))), c2);
                c3 = Vector256.ConditionalSelect(Vector256.LessThan(index, n3), Vector256.Subtract(c3, Vector256.Multiply(b, Vector256.LoadUnsafe(ref zs, from + 12))), c3);
            }

            var pivot = Vector256.Create(l[(kept[t] * q) + t]);
            Vector256.Divide(c0, pivot).StoreUnsafe(ref zs, at);
            Vector256.Divide(c1, pivot).StoreUnsafe(ref zs, at + 4);
            Vector256.Divide(c2, pivot).StoreUnsafe(ref zs, at + 8);
            Vector256.Divide(c3, pivot).StoreUnsafe(ref zs, at + 12);
        }
    }
}
