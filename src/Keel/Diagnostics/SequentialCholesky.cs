namespace Keel.Diagnostics;

/// <summary>
/// Left-looking Cholesky of a symmetric positive semi-definite matrix (row-major, q×q) that decides
/// columns in index order and deletes the dependent ones: column j is kept when its pivot (its
/// squared distance from the span of the kept columns before it) exceeds tolerance·reference[j].
/// Invariant: after column j, L·Lᵀ equals the matrix restricted to the kept columns so far.
/// Reference: Golub &amp; Van Loan (4th ed.), Algorithm 4.2.2 (gaxpy Cholesky), with Higham,
/// Accuracy and Stability of Numerical Algorithms (2nd ed.), §10.3 for semi-definite matrices.
/// Cost: q³/3 flops; the dot products run in a fixed order, so the bits never depend on the machine.
/// </summary>
internal sealed class SequentialCholesky
{
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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static SequentialCholesky Factor(double[] a, int q, double[] reference, double tolerance)
    {
        var l = new double[q * q];
        var kept = new List<int>();
        var dependencies = new List<(int, double[])>();
        for (int j = 0; j < q; j++)
        {
            int rowJ = j * q;
            for (int t = 0; t < kept.Count; t++)
            {
                int rowK = kept[t] * q;
                double s = a[rowJ + kept[t]];
                for (int i = 0; i < t; i++)
                {
                    s -= l[rowJ + i] * l[rowK + i];
                }

                l[rowJ + t] = s / l[rowK + t];
            }

            double d = a[rowJ + j];
            for (int t = 0; t < kept.Count; t++)
            {
                d -= l[rowJ + t] * l[rowJ + t];
            }

            if (d <= tolerance * reference[j])
            {
                dependencies.Add((j, BackSubstitute(l, q, kept, rowJ)));
                Array.Clear(l, rowJ, q);
                continue;
            }

            l[rowJ + kept.Count] = Math.Sqrt(d);
            kept.Add(j);
        }

        return new SequentialCholesky(q, l, kept, dependencies);
    }

    /// <summary>
    /// The inverse of L over kept positions, column-major r×r (column t holds L⁻¹[i, t] for i ≥ t at
    /// [t·r + i]). Columns are independent forward substitutions L·v = e_t, each summed in the same
    /// order (t ascending), so threads share them with no effect on any bit.
    /// </summary>
    public double[] InverseLByColumn(int threads = 1)
    {
        int r = Kept.Count;
        var inv = new double[r * r];
        Parallel.For(0, r, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, col => InverseColumn(inv.AsSpan(col * r, r), col));
        return inv;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void InverseColumn(Span<double> v, int col)
    {
        v[col] = 1.0 / L(col, col);
        for (int i = col + 1; i < v.Length; i++)
        {
            ReadOnlySpan<double> row = _l.AsSpan(Kept[i] * Size, Size);
            double s = 0;
            for (int t = col; t < i; t++)
            {
                s -= row[t] * v[t];
            }

            v[i] = s / row[i];
        }
    }

    // Solves L_Kᵀ z = l_j over the kept positions: the coefficients of the dependent column on the kept ones.
    private static double[] BackSubstitute(double[] l, int q, List<int> kept, int rowJ)
    {
        int r = kept.Count;
        var z = new double[r];
        for (int t = r - 1; t >= 0; t--)
        {
            double s = l[rowJ + t];
            for (int i = t + 1; i < r; i++)
            {
                s -= l[(kept[i] * q) + t] * z[i];
            }

            z[t] = s / l[(kept[t] * q) + t];
        }

        return z;
    }
}
