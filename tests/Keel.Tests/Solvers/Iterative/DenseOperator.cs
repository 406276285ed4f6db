// Test helper: a dense m×n matrix stored column-major, seen as an ILinearOperator, so LSMR can be
// run on exactly the matrix the MathNet oracle factorises. Not for the library: Keel never
// materialises a design. Cost: m·n per product; sums in fixed index order (reproducible).

using Keel.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Solvers.Iterative;

internal sealed class DenseOperator : ILinearOperator
{
    private readonly double[] valuesColumnMajor;

    public DenseOperator(int rows, int columns, double[] valuesColumnMajor)
    {
        Assert.Equal(rows * columns, valuesColumnMajor.Length);
        Rows = rows;
        Columns = columns;
        this.valuesColumnMajor = valuesColumnMajor;
    }

    public int Rows { get; }

    public int Columns { get; }

    public static DenseOperator From(Matrix<double> matrix) =>
        new(matrix.RowCount, matrix.ColumnCount, matrix.ToColumnMajorArray());

    public Matrix<double> ToMatrix() => Matrix<double>.Build.Dense(Rows, Columns, (double[])valuesColumnMajor.Clone());

    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        result[..Rows].Clear();
        for (int j = 0; j < Columns; j++)
        {
            var column = valuesColumnMajor.AsSpan(j * Rows, Rows);
            for (int i = 0; i < Rows; i++)
            {
                result[i] += column[i] * x[j];
            }
        }
    }

    public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
    {
        for (int j = 0; j < Columns; j++)
        {
            var column = valuesColumnMajor.AsSpan(j * Rows, Rows);
            double s = 0;
            for (int i = 0; i < Rows; i++)
            {
                s += column[i] * y[i];
            }

            result[j] = s;
        }
    }
}
