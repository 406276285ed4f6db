// Designs and reference quantities shared by the dense-solver tests.
//
// Random integer designs (exact in double and in rationals), their rational columns for the
// exact oracle, and the scaled condition number from Math.NET's SVD, the test-only oracle that
// sets each tolerance (Belsley scaling: unit-length columns). Seeds are fixed.

using Keel.LinearAlgebra;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Solvers.Direct;

internal static class DenseTestDesigns
{
    /// <summary>Unit roundoff u = 2^-53 (half of machine epsilon).</summary>
    public const double U = Numeric.Eps / 2;

    /// <summary>An m × n matrix of integers uniform in [-range, range].</summary>
    public static DenseMatrix RandomIntegers(int m, int n, int range, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var a = new DenseMatrix(m, n);
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                a[i, j] = rng.Next(-range, range + 1);
            }
        }

        return a;
    }

    /// <summary>An m × n matrix of doubles uniform in [-1, 1).</summary>
    public static DenseMatrix RandomReals(int m, int n, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var a = new DenseMatrix(m, n);
        foreach (ref double x in a.Values)
        {
            x = (2 * rng.NextDouble()) - 1;
        }

        return a;
    }

    /// <summary>A vector of integers uniform in [-range, range].</summary>
    public static double[] RandomIntegerVector(int m, int range, Random rng) =>
        Enumerable.Range(0, m).Select(_ => (double)rng.Next(-range, range + 1)).ToArray();

    /// <summary>Columns as exact rationals: result[j][i] = A(i, j).</summary>
    public static Rational[][] RationalColumns(DenseMatrix a) =>
        Enumerable.Range(0, a.Columns).Select(j => a.Column(j).ToArray().Select(Rational.FromDouble).ToArray()).ToArray();

    /// <summary>The sub-matrix of the given columns.</summary>
    public static DenseMatrix Columns(DenseMatrix a, IReadOnlyList<int> columns)
    {
        var sub = new DenseMatrix(a.Rows, columns.Count);
        for (int p = 0; p < columns.Count; p++)
        {
            a.Column(columns[p]).CopyTo(sub.Column(p));
        }

        return sub;
    }

    /// <summary>Euclidean norm of each column.</summary>
    public static double[] ColumnNorms(DenseMatrix a) =>
        Enumerable.Range(0, a.Columns).Select(j => Math.Sqrt(a.Column(j).ToArray().Sum(x => x * x))).ToArray();

    /// <summary>Math.NET's view of the matrix (column-major copy).</summary>
    public static Matrix<double> ToMathNet(DenseMatrix a) => Matrix<double>.Build.Dense(a.Rows, a.Columns, a.Values.ToArray());

    /// <summary>Belsley's scaled condition number of the given columns, by Math.NET's SVD.</summary>
    public static double ScaledCondition(DenseMatrix a, IReadOnlyList<int> columns)
    {
        DenseMatrix sub = Columns(a, columns);
        double[] norms = ColumnNorms(sub);
        for (int j = 0; j < sub.Columns; j++)
        {
            foreach (ref double x in sub.Column(j))
            {
                x /= norms[j];
            }
        }

        var s = ToMathNet(sub).Svd(computeVectors: false).S;
        return s[0] / s[Math.Min(sub.Rows, sub.Columns) - 1];
    }
}
