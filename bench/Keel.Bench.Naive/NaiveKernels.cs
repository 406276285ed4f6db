// NAIVE kernels, for the cost-of-reproducibility benchmark only: what a fast implementation without
// the reproducibility promise would write. Dot and Sum reduce with Vector<T> (their bits change with
// the CPU's vector width); Norm2 is sqrt(Dot(x, x)) with no scaling; Axpy and Scale use Vector<T>
// (element-wise, so the same bits; only the speed can differ). The linked solver sources in this
// project (Solvers/*, see the csproj) resolve `Kernels` (its vector and pairwise members) to this.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Keel.Solvers;

/// <summary>Naive stand-in for Keel.LinearAlgebra.Kernels (bench only).</summary>
internal static class Kernels
{
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var acc = Vector<double>.Zero;
        for (int k = 0; k < vx.Length; k++)
        {
            acc += vx[k] * vy[k];
        }

        double s = Vector.Sum(acc);
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++)
        {
            s += x[i] * y[i];
        }

        return s;
    }

    public static double Sum(ReadOnlySpan<double> x)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var acc = Vector<double>.Zero;
        for (int k = 0; k < vx.Length; k++)
        {
            acc += vx[k];
        }

        double s = Vector.Sum(acc);
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++)
        {
            s += x[i];
        }

        return s;
    }

    public static double Norm2(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));

    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(a);
        for (int k = 0; k < vx.Length; k++)
        {
            vy[k] += va * vx[k];
        }

        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    public static void Scale(double a, Span<double> x)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var va = new Vector<double>(a);
        for (int k = 0; k < vx.Length; k++)
        {
            vx[k] *= va;
        }

        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++)
        {
            x[i] *= a;
        }
    }

    // The dense solvers' members (Keel.LinearAlgebra's Kernels.Pairwise*), naive too; the rank
    // tolerance keeps the product's error depth so the rank decisions are comparable.
    public static int PairwiseErrorDepth(int length) => Keel.LinearAlgebra.Kernels.PairwiseErrorDepth(length);

    public static double PairwiseDot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => Dot(x, y);

    public static double PairwiseNorm2(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));
}
