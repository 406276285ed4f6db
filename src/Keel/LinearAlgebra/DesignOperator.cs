using Keel.Model;

namespace Keel.LinearAlgebra;

/// <summary>
/// The weighted cells design √W·X as an operator: products are gathers (A·x: each cell sums its
/// slots' x[column]) and scatters (Aᵀ·y: each slot adds into its column), never a one-hot matrix.
/// Reproducible: A·x sums each cell's slots in slot order; Aᵀ·y visits cells in cell order, so every
/// column's sum has one fixed order of additions, whatever the machine.
/// Cost: one pass over cells × slots per product; memory: none beyond the design.
/// </summary>
internal sealed class DesignOperator : ILinearOperator
{
    private readonly Design _design;
    private readonly double[] _sqrtWeight;

    public DesignOperator(Design design)
    {
        _design = design;
        _sqrtWeight = design.CellWeight.Select(Math.Sqrt).ToArray();
    }

    public int Rows => _design.CellCount;

    public int Columns => _design.SolvedCount;

    /// <summary>√W per cell (the row scaling of the operator).</summary>
    public ReadOnlySpan<double> SqrtWeight => _sqrtWeight;

    /// <summary>The right-hand side √W·mean of the cells regression.</summary>
    public double[] RightHandSide()
    {
        var b = new double[Rows];
        for (int c = 0; c < Rows; c++)
        {
            b[c] = _sqrtWeight[c] * _design.CellMean[c];
        }

        return b;
    }

    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        int slots = _design.SlotsPerCell;
        int[] column = _design.SlotColumn;
        double[] value = _design.SlotValue;
        for (int c = 0; c < Rows; c++)
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
