using Keel.LinearAlgebra;

namespace Keel.Model;

/// <summary>
/// The weighted cells design √W·X as an operator: products are gathers (A·x: each cell sums its
/// slots' x[column]) and scatters (Aᵀ·y: each slot adds into its column), never a one-hot matrix.
/// Reproducible: A·x sums each cell's slots in slot order; Aᵀ·y visits cells in cell order, so every
/// column's sum has one fixed order of additions, whatever the machine.
/// Threads: with more than one, A·x splits the cells into blocks (each cell's sum is still formed by
/// one owner, in slot order) and Aᵀ·y runs over a column-major copy of the slots (each column's sum
/// formed by one owner, over its cells in cell order): the same additions in the same order as the
/// serial loops, so the same bits for every thread count.
/// Cost: one pass over cells × slots per product; memory: with threads, one more copy of the slots
/// (12 bytes per slot).
/// </summary>
internal sealed class DesignOperator : ILinearOperator
{
    private readonly Design _design;
    private readonly double[] _sqrtWeight;

    // Cells per block of the parallel gather: large enough to amortise scheduling.
    private const int BlockCells = 1 << 12;

    private readonly int _threads;
    private int[]? _columnStart;  // column j's entries are [_columnStart[j], _columnStart[j+1])
    private int[]? _cellOfEntry;
    private double[]? _valueOfEntry;
    private double[]? _xBuffer;   // scratch of the parallel products (LSMR calls them one at a time)
    private double[]? _rowBuffer;

    public DesignOperator(Design design, int threads = 1)
    {
        _design = design;
        _sqrtWeight = design.CellWeight.Select(Math.Sqrt).ToArray();
        _threads = Math.Max(1, threads);
        if (_threads > 1 && design.CellCount >= 2 * BlockCells)
        {
            BuildColumnMajor();
        }
    }

    public int Rows => _design.CellCount;

    public int Columns => _design.SolvedCount;

    /// <summary>√W per cell (the row scaling of the operator).</summary>
    public ReadOnlySpan<double> SqrtWeight => _sqrtWeight;

    /// <summary>The right-hand side √W·mean of the cells regression.</summary>
    public double[] RightHandSide(int targetScaleExponent = 0)
    {
        var b = new double[Rows];
        for (int c = 0; c < Rows; c++)
        {
            // The mean is scaled first (exact), so √W·mean cannot overflow for targets near 1e308.
            b[c] = _sqrtWeight[c] * Math.ScaleB(_design.CellMean[c], targetScaleExponent);
        }

        return b;
    }

    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        if (_columnStart is null)
        {
            MultiplyCells(x, result, 0, Rows);
            return;
        }

        // Each block owns its cells' outputs; which thread runs a block cannot change a bit.
        double[] xCopy = _xBuffer ??= new double[Columns];
        x.CopyTo(xCopy);
        double[] output = _rowBuffer ??= new double[Rows];
        int blocks = (Rows + BlockCells - 1) / BlockCells;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, b =>
            MultiplyCells(xCopy, output, b * BlockCells, Math.Min(Rows, (b + 1) * BlockCells)));
        output.CopyTo(result);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void MultiplyCells(ReadOnlySpan<double> x, Span<double> result, int from, int to)
    {
        int slots = _design.SlotsPerCell;
        int[] column = _design.SlotColumn;
        double[] value = _design.SlotValue;
        for (int c = from; c < to; c++)
        {
            double sum = 0;
            int at = c * slots;
            for (int s = 0; s < slots; s++)
            {
                int j = column[at + s];
                if (j >= 0)
                {
                    sum += value[at + s] * x[j];
                }
            }

            result[c] = _sqrtWeight[c] * sum;
        }
    }

    public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
    {
        if (_columnStart is not null)
        {
            MultiplyTransposedByColumn(y, result);
            return;
        }

        result.Clear();
        int slots = _design.SlotsPerCell;
        int[] column = _design.SlotColumn;
        double[] value = _design.SlotValue;
        // Serial over cells: rows of one level write the same slot; a parallel loop would reorder additions.
        for (int c = 0; c < Rows; c++)
        {
            double yc = _sqrtWeight[c] * y[c];
            int at = c * slots;
            for (int s = 0; s < slots; s++)
            {
                int j = column[at + s];
                if (j >= 0)
                {
                    result[j] += value[at + s] * yc;
                }
            }
        }
    }

    // result[j] = Σ over j's entries, in cell order (then slot order), of value·(√w_c·y_c): the serial
    // scatter's additions for column j, in its order, starting from 0.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void MultiplyTransposedByColumn(ReadOnlySpan<double> y, Span<double> result)
    {
        int[] start = _columnStart!;
        int[] cellOf = _cellOfEntry!;
        double[]? valueOf = _valueOfEntry;
        double[] yc = _rowBuffer ??= new double[Rows];
        for (int c = 0; c < Rows; c++)
        {
            yc[c] = _sqrtWeight[c] * y[c];
        }

        double[] output = _xBuffer ??= new double[Columns];
        int columnBlocks = Math.Min(Columns, 64 * _threads);
        Parallel.For(0, columnBlocks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, b =>
        {
            int from = (int)((long)Columns * b / columnBlocks), to = (int)((long)Columns * (b + 1) / columnBlocks);
            for (int j = from; j < to; j++)
            {
                double sum = 0;
                if (valueOf is null)
                {
                    // Indicator columns: 1·x is x exactly, so the sum has the bits of the general loop.
                    for (int e = start[j]; e < start[j + 1]; e++)
                    {
                        sum += yc[cellOf[e]];
                    }
                }
                else
                {
                    for (int e = start[j]; e < start[j + 1]; e++)
                    {
                        sum += valueOf[e] * yc[cellOf[e]];
                    }
                }

                output[j] = sum;
            }
        });
        output.CopyTo(result);
    }

    // The column-major copy depends on the slot arrays alone, which a likelihood fit's working designs
    // share across its IRLS steps (only the weights change): built once per pair of arrays.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<int[], ColumnMajor> ColumnMajorOf = new();

    private sealed record ColumnMajor(double[] SlotValue, int Columns, int[] Start, int[] CellOf, double[]? ValueOf);

    // The slots grouped by column, each column's entries in cell order then slot order (a counting sort).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void BuildColumnMajor()
    {
        if (ColumnMajorOf.TryGetValue(_design.SlotColumn, out ColumnMajor? built) && ReferenceEquals(built.SlotValue, _design.SlotValue) && built.Columns == Columns)
        {
            (_columnStart, _cellOfEntry, _valueOfEntry) = (built.Start, built.CellOf, built.ValueOf);
            return;
        }

        int slots = _design.SlotsPerCell;
        int[] column = _design.SlotColumn;
        double[] value = _design.SlotValue;
        var start = new int[Columns + 1];
        foreach (int j in column)
        {
            if (j >= 0)
            {
                start[j + 1]++;
            }
        }

        for (int j = 0; j < Columns; j++)
        {
            start[j + 1] += start[j];
        }

        bool indicators = true;
        for (int at = 0; at < column.Length && indicators; at++)
        {
            indicators = column[at] < 0 || value[at] == 1.0;
        }

        var next = (int[])start.Clone();
        var cellOf = new int[start[Columns]];
        // All-indicator designs (every entry 1.0) keep no values: 8 bytes an entry saved (128 MB on the fixest shape).
        double[]? valueOf = indicators ? null : new double[start[Columns]];
        for (int c = 0; c < Rows; c++)
        {
            for (int s = 0; s < slots; s++)
            {
                int j = column[(c * slots) + s];
                if (j >= 0)
                {
                    int e = next[j]++;
                    cellOf[e] = c;
                    if (valueOf is not null)
                    {
                        valueOf[e] = value[(c * slots) + s];
                    }
                }
            }
        }

        _columnStart = start;
        _cellOfEntry = cellOf;
        _valueOfEntry = valueOf;
        ColumnMajorOf.AddOrUpdate(_design.SlotColumn, new ColumnMajor(_design.SlotValue, Columns, start, cellOf, valueOf));
    }

    /// <summary>The dense column-major matrix √W·X (cells × solved columns), for the dense path only.</summary>
    public double[] ToDenseColumnMajor()
    {
        int m = Rows;
        var a = new double[(long)m * Columns];
        int slots = _design.SlotsPerCell;
        for (int c = 0; c < m; c++)
        {
            for (int s = 0; s < slots; s++)
            {
                int j = _design.SlotColumn[(c * slots) + s];
                if (j >= 0)
                {
                    a[c + ((long)j * m)] += _sqrtWeight[c] * _design.SlotValue[(c * slots) + s];
                }
            }
        }

        return a;
    }
}
