// Invariants that tie the dense solver to Keel's cells: weights behave as repeated rows, a zero
// weight removes a row, the row order matters only at the rounding level, and a solve is
// deterministic.
//
// The paired problems below are exactly equivalent (weight 4 has the exact square root 2), so
// both refined solutions lie within 16·u of the same exact solution (see RationalOracleTests):
// they may differ by 32·u in the unit-column norm max_k ||a_k||·|beta_k|.

using Keel.LinearAlgebra;
using Keel.Solvers.Direct;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

public class WeightInvarianceTests
{
    private const double U = DenseTestDesigns.U;

    [Fact]
    public void Weight_four_equals_the_row_repeated_four_times()
    {
        (DenseMatrix a, double[] b) = Problem(seed: 1);
        (DenseMatrix weighted, double[] bWeighted) = Transform(a, b, i => i == 3 ? [2.0] : [1.0]);
        (DenseMatrix repeated, double[] bRepeated) = Transform(a, b, i => i == 3 ? [1.0, 1.0, 1.0, 1.0] : [1.0]);
        AssertSameFit(a, DenseLeastSquares.Solve(weighted, bWeighted), DenseLeastSquares.Solve(repeated, bRepeated));
    }

    [Fact]
    public void Zero_weight_equals_removing_the_row()
    {
        (DenseMatrix a, double[] b) = Problem(seed: 2);
        (DenseMatrix zeroed, double[] bZeroed) = Transform(a, b, i => i == 5 ? [0.0] : [1.0]);
        (DenseMatrix removed, double[] bRemoved) = Transform(a, b, i => i == 5 ? [] : [1.0]);
        AssertSameFit(a, DenseLeastSquares.Solve(zeroed, bZeroed), DenseLeastSquares.Solve(removed, bRemoved));
    }

    [Fact]
    public void Reversing_the_rows_changes_the_fit_only_at_the_rounding_level()
    {
        (DenseMatrix a, double[] b) = Problem(seed: 3);
        var reversed = new DenseMatrix(a.Rows, a.Columns);
        for (int i = 0; i < a.Rows; i++)
        {
            for (int j = 0; j < a.Columns; j++)
            {
                reversed[a.Rows - 1 - i, j] = a[i, j];
            }
        }

        AssertSameFit(a, DenseLeastSquares.Solve(a, b), DenseLeastSquares.Solve(reversed, b.Reverse().ToArray()));
    }

    [Fact]
    public void Solving_twice_gives_the_same_bits()
    {
        (DenseMatrix a, double[] b) = Problem(seed: 4);
        DenseLeastSquaresResult first = DenseLeastSquares.Solve(a, b);
        DenseLeastSquaresResult second = DenseLeastSquares.Solve(a, b);
        Assert.Equal(first.Coefficients, second.Coefficients);
        Assert.Equal(first.ResidualSumOfSquares, second.ResidualSumOfSquares);
        Assert.Equal(first.CovarianceDiagonal, second.CovarianceDiagonal);
    }

    private static void AssertSameFit(DenseMatrix a, DenseLeastSquaresResult expected, DenseLeastSquaresResult actual)
    {
        Assert.Equal(expected.KeptColumns, actual.KeptColumns);
        double[] norms = DenseTestDesigns.ColumnNorms(a);
        double scale = Enumerable.Range(0, expected.Rank).Max(p => norms[expected.KeptColumns[p]] * Math.Abs(expected.Coefficients[p]));
        for (int p = 0; p < expected.Rank; p++)
        {
            Numeric.AssertClose(expected.Coefficients[p], actual.Coefficients[p], 0, 32 * U * scale / norms[expected.KeptColumns[p]], $"coefficient {p}");
            Numeric.AssertClose(expected.CovarianceDiagonal[p], actual.CovarianceDiagonal[p], 32 * U, 0, $"variance {p}");
        }

        Numeric.AssertClose(expected.ResidualSumOfSquares, actual.ResidualSumOfSquares, 32 * U, 0, "RSS");
    }

    /// <summary>20 × 4 random reals with an intercept, and b.</summary>
    private static (DenseMatrix A, double[] B) Problem(int seed)
    {
        var rng = new Random(seed);
        DenseMatrix a = DenseTestDesigns.RandomReals(20, 4, rng);
        a.Column(0).Fill(1.0);
        return (a, DenseTestDesigns.RandomReals(20, 1, rng).Column(0).ToArray());
    }

    /// <summary>Each row i replaced by the rows factor·(a_i, b_i) for every factor in factorsOfRow(i).</summary>
    private static (DenseMatrix A, double[] B) Transform(DenseMatrix a, double[] b, Func<int, double[]> factorsOfRow)
    {
        var rows = new List<(int Row, double Factor)>();
        for (int i = 0; i < a.Rows; i++)
        {
            rows.AddRange(factorsOfRow(i).Select(f => (i, f)));
        }

        var result = new DenseMatrix(rows.Count, a.Columns);
        var rhs = new double[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            (int i, double f) = rows[r];
            rhs[r] = f * b[i];
            for (int j = 0; j < a.Columns; j++)
            {
                result[r, j] = f * a[i, j];
            }
        }

        return (result, rhs);
    }
}
