using Keel.Compression;
using Keel.LinearAlgebra;

namespace Keel.Model;

/// <summary>One column of the design as the result lists it.</summary>
/// <param name="Name">Coefficient name: "(Intercept)", "x", "city[C01]", "a[x]:b[y]", "poly(x, 3, raw=TRUE)[2]".</param>
/// <param name="Term">The term's label as in the formula.</param>
/// <param name="Level">The categorical level (levels joined by ":" for interactions), or null.</param>
/// <param name="IsReference">True for the baseline level of a treatment-coded factor: listed, never solved, estimate 0.</param>
internal sealed record DesignColumn(string Name, string Term, string? Level, bool IsReference)
{
    /// <summary>Index of the column's term in the formula's terms; -1 for the intercept.</summary>
    public int TermIndex { get; init; } = -1;

    /// <summary>The level of each categorical factor of the term, in factor order (empty for none).</summary>
    public IReadOnlyList<string> Levels { get; init; } = [];

    /// <summary>Which tuple of the term's continuous sub-columns (poly powers) this column holds; 0 when there is one.</summary>
    public int Sub { get; init; }
}

/// <summary>How one factor of a term is coded, for coding new rows the way the fit coded its cells.</summary>
/// <param name="Column">The data column.</param>
/// <param name="IsCategorical">True for a categorical factor (its levels are indicator columns).</param>
/// <param name="Contrast">True when treatment-coded: combinations with this factor at its reference level have no column.</param>
/// <param name="ReferenceLevel">The reference level's label (categorical factors), else null.</param>
internal sealed record FactorCoding(string Column, bool IsCategorical, bool Contrast, string? ReferenceLevel);

/// <summary>
/// The regression design over cells, in fixed-slot sparse form: every cell has the same number of
/// slots (one per intercept, one per categorical part of a term times its continuous sub-columns),
/// each slot naming one solved column and its value. A categorical level is a column index in a
/// slot, never a row of zeros and a one: the one-hot matrix is never built.
/// Rows are cells weighted by Σw; the response of a cell is its weighted mean Σwy/Σw.
/// </summary>
internal sealed class Design
{
    public Design(Formula formula, CellTable cells, DesignColumn[] columns, int[] solvedOfColumn, int slotsPerCell, int[] slotColumn, double[] slotValue, double[]? slotValueLow, double[] cellWeight, DoubleDouble[] cellMeanExact)
    {
        Formula = formula;
        Cells = cells;
        Columns = columns;
        SolvedOfColumn = solvedOfColumn;
        SolvedCount = solvedOfColumn.Count(i => i >= 0);
        ColumnOfSolved = new int[SolvedCount];
        for (int j = 0; j < columns.Length; j++)
        {
            if (solvedOfColumn[j] >= 0)
            {
                ColumnOfSolved[solvedOfColumn[j]] = j;
            }
        }

        SlotsPerCell = slotsPerCell;
        SlotColumn = slotColumn;
        SlotValue = slotValue;
        SlotValueLow = slotValueLow;
        CellWeight = cellWeight;
        CellMeanExact = cellMeanExact;
        CellMean = cellMeanExact.Select(m => m.Hi).ToArray();
    }

    public Formula Formula { get; }

    public CellTable Cells { get; }

    /// <summary>For each term of the formula, how each of its factors is coded.</summary>
    public IReadOnlyList<IReadOnlyList<FactorCoding>> TermCodings { get; init; } = [];

    /// <summary>Every listed column in design order, reference levels included.</summary>
    public DesignColumn[] Columns { get; }

    /// <summary>For each listed column, its index among the solved columns, or -1 for a reference level.</summary>
    public int[] SolvedOfColumn { get; }

    /// <summary>For each solved column, its index in <see cref="Columns"/>.</summary>
    public int[] ColumnOfSolved { get; }

    /// <summary>Number of solved columns (the contract's "parameters").</summary>
    public int SolvedCount { get; }

    public int CellCount => Cells.CellCount;

    public int SlotsPerCell { get; }

    /// <summary>Solved-column index of each slot, cell-major; -1 for an empty slot (a reference level).</summary>
    public int[] SlotColumn { get; }

    /// <summary>Value of each slot (1 for a categorical level, the product of continuous values otherwise).</summary>
    public double[] SlotValue { get; }

    /// <summary>The low-order parts of the slot values (x^k and products in double-double), or null when all are 0.</summary>
    public double[]? SlotValueLow { get; }

    /// <summary>Σw of each cell (the row weight of the cells regression).</summary>
    public double[] CellWeight { get; }

    /// <summary>Σwy/Σw of each cell, rounded to double.</summary>
    public double[] CellMean { get; }

    /// <summary>Σwy/Σw of each cell in double-double, from the exact sums.</summary>
    public DoubleDouble[] CellMeanExact { get; }

    /// <summary>Σ over cells of w·value² per solved column: the squared column norms of the weighted design.</summary>
    public double[] ColumnSquaredNorms()
    {
        var norms = new double[SolvedCount];
        for (int c = 0; c < CellCount; c++)
        {
            for (int s = 0; s < SlotsPerCell; s++)
            {
                int j = SlotColumn[(c * SlotsPerCell) + s];
                if (j >= 0)
                {
                    double v = SlotValue[(c * SlotsPerCell) + s];
                    // Serial in cell order: every column's sum has one fixed order of additions.
                    norms[j] += CellWeight[c] * v * v;
                }
            }
        }

        for (int j = 0; j < norms.Length; j++)
        {
            if (!double.IsFinite(norms[j]))
            {
                // The iterative solvers scale columns by 1/‖a_j‖: a column near 1e308 has no such scale in
                // doubles (the dense QR forms its norms scaled and does not come here).
                throw KeelInputException.InColumn(Columns[ColumnOfSolved[j]].Name, null, "the sum of w·value² over the rows exceeds the double range (values near 1e308); the iterative solvers cannot scale it — divide the column by a power of ten before fitting, or use --solver qr");
            }
        }

        return norms;
    }

    /// <summary>The design row of cell <paramref name="cell"/> over solved columns, added into <paramref name="row"/>.</summary>
    public void AddRow(int cell, Span<double> row)
    {
        for (int s = 0; s < SlotsPerCell; s++)
        {
            int j = SlotColumn[(cell * SlotsPerCell) + s];
            if (j >= 0)
            {
                row[j] += SlotValue[(cell * SlotsPerCell) + s];
            }
        }
    }

    /// <summary>
    /// The exponent k of the exact target rescaling 2^k (0 for ordinary targets). Large targets are
    /// scaled down only as far as needed: the largest |cell mean| lands in [2^400, 2^401), so squares
    /// stay below 2^802 and sums of w·y² over cells stay finite for a total weight below 2^221, while
    /// ordinary values next to a 1e308 keep their bits (scaling the largest to 1 pushed them into
    /// the subnormal range, where LSMR's normalisation by a rounding-noise β overflowed; fuzz seed
    /// 3913). Tiny targets (largest below 2^-400) are scaled up so the largest is in [1, 2): nothing
    /// can overflow and no square underflows.
    /// </summary>
    public int TargetScaleExponent => _targetScaleExponent ??= ComputeTargetScaleExponent();

    /// <summary>Binary exponent bound beyond which targets are rescaled (see <see cref="TargetScaleExponent"/>).</summary>
    internal const int TargetExponentBound = 400;

    private int? _targetScaleExponent;

    private int ComputeTargetScaleExponent()
    {
        double largest = 0;
        foreach (double m in CellMean)
        {
            largest = Math.Max(largest, Math.Abs(m));
        }

        if (largest == 0 || !double.IsFinite(largest))
        {
            return 0;
        }

        int exponent = Math.ILogB(largest);
        if (exponent > TargetExponentBound)
        {
            return TargetExponentBound - exponent;
        }

        return exponent < -TargetExponentBound ? -exponent : 0;
    }
}
