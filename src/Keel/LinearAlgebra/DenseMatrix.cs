// A dense matrix stored column by column: entry (i, j) of an m × n matrix is Values[i + j·m].
//
// Column-major because every dense kernel in Keel walks down columns (Householder reflections,
// Jacobi rotations, design columns built one term at a time), so each column is one contiguous
// span. Invariant: Values.Length == Rows · Columns. Cost: storage 8·m·n bytes; nothing else.

namespace Keel.LinearAlgebra;

/// <summary>A dense m × n matrix of doubles in column-major order.</summary>
internal sealed class DenseMatrix
{
    private readonly double[] _values;

    /// <summary>A zero matrix with the given shape.</summary>
    public DenseMatrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        Rows = rows;
        Columns = columns;
        _values = new double[checked(rows * columns)];
    }

    /// <summary>Wraps (does not copy) column-major values: entry (i, j) is values[i + j·rows].</summary>
    public DenseMatrix(int rows, int columns, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (values.Length != checked(rows * columns))
        {
            throw new ArgumentException($"expected {rows}·{columns} values, got {values.Length}", nameof(values));
        }

        Rows = rows;
        Columns = columns;
        _values = values;
    }

    /// <summary>Number of rows m.</summary>
    public int Rows { get; }

    /// <summary>Number of columns n.</summary>
    public int Columns { get; }

    /// <summary>The column-major values, entry (i, j) at i + j·Rows.</summary>
    public Span<double> Values => _values;

    /// <summary>Entry (row, column).</summary>
    public double this[int row, int column]
    {
        get => _values[Index(row, column)];
        set => _values[Index(row, column)] = value;
    }

    /// <summary>Column j as a contiguous span of length Rows.</summary>
    public Span<double> Column(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Columns);
        return _values.AsSpan(column * Rows, Rows);
    }

    /// <summary>A deep copy.</summary>
    public DenseMatrix Clone() => new(Rows, Columns, (double[])_values.Clone());

    private int Index(int row, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Columns);
        return row + (column * Rows);
    }
}
