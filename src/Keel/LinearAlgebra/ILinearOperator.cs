namespace Keel.LinearAlgebra;

/// <summary>
/// A matrix seen only through its products, so the design of a categorical model can be
/// applied as gathers and scatters over level codes without ever materialising a one-hot matrix.
/// Implementations must be reproducible: each output element is summed in one fixed order that
/// depends only on the data, never on the thread count or the SIMD width.
/// </summary>
internal interface ILinearOperator
{
    /// <summary>Number of rows (cells, for a design over cells).</summary>
    int Rows { get; }

    /// <summary>Number of columns (design columns).</summary>
    int Columns { get; }

    /// <summary>result = A·x. <paramref name="x"/> has length Columns, <paramref name="result"/> length Rows.</summary>
    void Multiply(ReadOnlySpan<double> x, Span<double> result);

    /// <summary>result = Aᵀ·y. <paramref name="y"/> has length Rows, <paramref name="result"/> length Columns.</summary>
    void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result);
}
