using Keel.Model;

namespace Keel.Absorption;

/// <summary>
/// The pieces of <see cref="AbsorbedGram"/> that touch the cells: forming S = G_RR − G_RF·D⁻¹·G_FR,
/// expressing a dependent column in all kept columns, and the covariance diagonal.
/// Every sum runs over cells in cell order and over absorbed levels in level order: fixed orders.
/// </summary>
internal static class SchurComplement
{
    /// <summary>
    /// Column G_{R,f} of the Gram matrix for each absorbed level f (levels ascending): the positions
    /// in R a cell of f touches (in first-touch order) and the sums Σ_{c in f} w·v_cf·v_ca, each
    /// accumulated over f's cells in cell order. Computed once, for S and for the covariance diagonal.
    /// </summary>
    internal sealed record AbsorbedColumns(int[] Level, int[][] Touched, double[][] Value);

    /// <summary>The G_{R,f} of every absorbed level; levels are independent, so threads share them with no effect on any bit.</summary>
    public static AbsorbedColumns GramAgainstAbsorbedLevels(Design design, bool[] isAbsorbed, int[] positionOfRest, int q, int threads)
    {
        AbsorbedLevels byLevel = AbsorbedLevels.OfColumns(design, isAbsorbed);
        int[] levels = Enumerable.Range(0, byLevel.Count).Where(j => byLevel.CellStart[j + 1] > byLevel.CellStart[j]).ToArray();
        var touchedOf = new int[levels.Length][];
        var valueOf = new double[levels.Length][];
        Parallel.For(
            0,
            levels.Length,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => (U: new double[q], IsTouched: new bool[q], Touched: new List<int>()),
            (f, _, scratch) =>
            {
                GramAgainstAbsorbed(design, byLevel.CellsOf(levels[f]), positionOfRest, scratch.U, scratch.IsTouched, scratch.Touched);
                int[] touched = [.. scratch.Touched];
                var values = new double[touched.Length];
                for (int k = 0; k < touched.Length; k++)
                {
                    values[k] = scratch.U[touched[k]];
                    scratch.U[touched[k]] = 0;
                }

                touchedOf[f] = touched;
                valueOf[f] = values;
                return scratch;
            },
            _ => { });
        return new AbsorbedColumns(levels, touchedOf, valueOf);
    }

    /// <summary>Forms S (row-major q×q over the non-absorbed columns), D and the Gram diagonal of the rest.</summary>
    /// <remarks>
    /// S[a,b] receives the terms −u_f[a]·u_f[b]/d_f for f ascending, whichever thread owns row a
    /// (rows are dealt out by index), so the bits do not depend on the thread count.
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static double[] Build(Design design, AbsorbedColumns levels, int[] positionOfRest, int q, int threads, out double[] diagonalOfAbsorbed, out double[] gramDiagonal)
    {
        var s = new double[q * q];
        var d = new double[design.SolvedCount];
        var g = new double[q];
        AccumulateGram(design, positionOfRest, q, s, d, g);
        int owners = Math.Max(1, threads);
        Parallel.For(0, owners, new ParallelOptions { MaxDegreeOfParallelism = owners }, owner => SubtractAbsorbed(s, q, levels, d, owner, owners));
        diagonalOfAbsorbed = d;
        gramDiagonal = g;
        return s;
    }

    // G over the rest (into s, row-major), D and the rest's Gram diagonal, cells in order.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateGram(Design design, int[] positionOfRest, int q, double[] s, double[] d, double[] g)
    {
        Span<int> position = stackalloc int[design.SlotsPerCell];
        Span<double> value = stackalloc double[design.SlotsPerCell];
        for (int c = 0; c < design.CellCount; c++)
        {
            double w = design.CellWeight[c];
            int n = RestEntries(design, c, positionOfRest, position, value, out int f, out double vf);
            if (f >= 0)
            {
                d[f] += w * vf * vf;
            }

            for (int i = 0; i < n; i++)
            {
                int a = position[i];
                double va = value[i];
                g[a] += w * va * va;
                int row = a * q;
                for (int k = 0; k < n; k++)
                {
                    s[row + position[k]] += w * va * value[k];
                }
            }
        }
    }

    // The rows a with a mod owners = owner of S −= Σ_f u_f·u_fᵀ/d_f, levels in ascending order.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void SubtractAbsorbed(double[] s, int q, AbsorbedColumns levels, double[] d, int owner, int owners)
    {
        for (int l = 0; l < levels.Level.Length; l++)
        {
            int[] touched = levels.Touched[l];
            double[] u = levels.Value[l];
            double df = d[levels.Level[l]];
            for (int i = 0; i < touched.Length; i++)
            {
                int a = touched[i];
                if (a % owners != owner)
                {
                    continue;
                }

                double ua = u[i];
                Span<double> row = s.AsSpan(a * q, q);
                for (int k = 0; k < touched.Length; k++)
                {
                    row[touched[k]] -= ua * u[k] / df;
                }
            }
        }
    }

    /// <summary>
    /// a_j = Σ z_t·a_kept(t) + Σ_f c_f·a_f with c_f = (G_fj − G_fK·z)/d_f; tiny coefficients pruned.
    /// G_f· is the absorbed level's column against the rest (<see cref="AbsorbedColumns"/>, already
    /// built for S), so a dependency costs Σ_f |touched_f| and no pass over the cells; each entry sums
    /// over its level's touched positions in their fixed order.
    /// </summary>
    public static IReadOnlyList<(int, double)> FullDependency(Design design, AbsorbedColumns levels, bool[] isAbsorbed, int[] positionOfRest, int[] rest, double[] diagonalOfAbsorbed, SequentialCholesky cholesky, double[] onKept, int column)
    {
        var coefficient = new double[design.SolvedCount];
        var zByPosition = new double[rest.Length];
        for (int t = 0; t < onKept.Length; t++)
        {
            coefficient[rest[cholesky.Kept[t]]] = onKept[t];
            zByPosition[cholesky.Kept[t]] = onKept[t];
        }

        int target = positionOfRest[column];
        for (int l = 0; l < levels.Level.Length; l++)
        {
            int[] touched = levels.Touched[l];
            double[] value = levels.Value[l];
            double residual = 0;
            for (int k = 0; k < touched.Length; k++)
            {
                residual += (touched[k] == target ? value[k] : 0.0) - (zByPosition[touched[k]] * value[k]);
            }

            coefficient[levels.Level[l]] = residual;
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
    /// <remarks>Each absorbed level's entry is a function of its own G_{R,f}: levels run in parallel with the same bits.</remarks>
    public static double[]? CovarianceDiagonal(Design design, AbsorbedColumns levels, int[] rest, double[] diagonalOfAbsorbed, SequentialCholesky cholesky, bool[] aliased, int threads)
    {
        int r = cholesky.Kept.Count;
        // L⁻¹ costs r³/3 (in vector lanes); each absorbed level then |touched|·r for L⁻¹u_f and r for its
        // norm: skipped beyond the budget of the per-cell factors (a few seconds).
        double work = levels.Touched.Sum(t => t.Length + 1.0) * r;
        if (work > CellVarianceFactors.Budget)
        {
            return null;
        }

        double[] inv = cholesky.InverseLByColumn(threads);
        var result = new double[design.SolvedCount];
        Array.Fill(result, double.NaN);
        for (int t = 0; t < r; t++)
        {
            double sum = 0;
            for (int i = t; i < r; i++)
            {
                sum += inv[(t * r) + i] * inv[(t * r) + i];
            }

            result[rest[cholesky.Kept[t]]] = sum;
        }

        var keptPositionOf = new int[rest.Length];
        Array.Fill(keptPositionOf, -1);
        for (int t = 0; t < r; t++)
        {
            keptPositionOf[cholesky.Kept[t]] = t;
        }

        Parallel.For(
            0,
            levels.Level.Length,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            () => new double[r],
            (l, _, projected) =>
            {
                result[levels.Level[l]] = AbsorbedVariance(levels.Touched[l], levels.Value[l], keptPositionOf, inv, r, diagonalOfAbsorbed[levels.Level[l]], projected);
                return projected;
            },
            _ => { });

        for (int j = 0; j < result.Length; j++)
        {
            result[j] = aliased[j] ? double.NaN : result[j];
        }

        return result;
    }

    /// <summary>
    /// 1/d_f + ‖L⁻¹·u_f‖²/d_f² for one absorbed level: u_f's entries at <paramref name="touched"/>
    /// columns (first-touch order, mapped to kept positions; −1 for a deleted column), L⁻¹ as
    /// <see cref="SequentialCholesky.InverseLByColumn"/> gives it; <paramref name="projected"/> is scratch
    /// of r doubles. Also the row path's (Solvers/FixedEffects/LevelVariances).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static double AbsorbedVariance(ReadOnlySpan<int> touched, ReadOnlySpan<double> u, int[] keptPositionOf, double[] inv, int r, double df, double[] projected)
    {
        Array.Clear(projected);
        for (int k = 0; k < touched.Length; k++)
        {
            int t = keptPositionOf[touched[k]];
            if (t >= 0)
            {
                double ua = u[k];
                ReadOnlySpan<double> column = inv.AsSpan((t * r) + t, r - t);
                Span<double> target = projected.AsSpan(t, r - t);
                // Element-wise (no reduction): every element gets the same product and sum at any vector width.
                int i = 0;
                if (System.Numerics.Vector.IsHardwareAccelerated)
                {
                    var factor = new System.Numerics.Vector<double>(ua);
                    for (; i <= column.Length - System.Numerics.Vector<double>.Count; i += System.Numerics.Vector<double>.Count)
                    {
                        (new System.Numerics.Vector<double>(target[i..]) + (new System.Numerics.Vector<double>(column[i..]) * factor)).CopyTo(target[i..]);
                    }
                }

                for (; i < column.Length; i++)
                {
                    target[i] += column[i] * ua;
                }
            }
        }

        double norm2 = 0;
        foreach (double v in projected)
        {
            norm2 += v * v;
        }

        return (1.0 / df) + (norm2 / (df * df));
    }

    // Cell c's entries over the non-absorbed columns in slot order (positions and values; returns
    // their number), and its absorbed column (or -1) with its value. Spans hold SlotsPerCell items.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int RestEntries(Design design, int c, int[] positionOfRest, Span<int> position, Span<double> value, out int absorbed, out double absorbedValue)
    {
        int n = 0;
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
                position[n] = positionOfRest[j];
                value[n++] = design.SlotValue[at + s];
            }
            else
            {
                absorbed = j;
                absorbedValue = design.SlotValue[at + s];
            }
        }

        return n;
    }

    // u = G_{R,f} = Σ_{c in f} w·v_cf·r_c, accumulated in cell order; touched lists its nonzero positions.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void GramAgainstAbsorbed(Design design, ReadOnlySpan<int> cells, int[] positionOfRest, double[] u, bool[] isTouched, List<int> touched)
    {
        Span<int> position = stackalloc int[design.SlotsPerCell];
        Span<double> value = stackalloc double[design.SlotsPerCell];
        foreach (int a in touched)
        {
            isTouched[a] = false;
        }

        touched.Clear();
        foreach (int c in cells)
        {
            int n = RestEntries(design, c, positionOfRest, position, value, out _, out double vf);
            double w = design.CellWeight[c] * vf;
            for (int i = 0; i < n; i++)
            {
                int a = position[i];
                double va = value[i];
                if (!isTouched[a])
                {
                    isTouched[a] = true;
                    touched.Add(a);
                }

                u[a] += w * va;
            }
        }
    }
}
