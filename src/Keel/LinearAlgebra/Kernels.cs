namespace Keel.LinearAlgebra;

/// <summary>
/// STUB (to be replaced by the reproducible kernels): vector kernels whose results depend only on
/// the data and its length, never on the CPU's vector width or the thread count.
/// </summary>
internal static class Kernels
{
    /// <summary>Σ x[i]·y[i].</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * y[i];
        }

        return s;
    }

    /// <summary>Euclidean norm, without overflow or underflow for representable results.</summary>
    public static double Norm2(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));

    /// <summary>y += a·x.</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>x *= a.</summary>
    public static void Scale(double a, Span<double> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= a;
        }
    }
}
