// Test helper: the design of a categorical model over count-weighted cells, applied as gathers and
// scatters over level codes (never materialised, as in the library), plus ToMatrix() for the
// dense oracle. Columns: intercept, then per factor its levels in order — all of them (Full, rank
// deficient with the intercept) or all but level 0 (Treatment, level 0 is the reference). Row i is
// multiplied by √w_i, so ‖Ax − b‖² is the count-weighted sum of squares over cells.
// Cost: (factors + 1) per row per product.

using Keel.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Solvers.Iterative;

internal enum Coding
{
    Treatment,
    Full,
}

internal sealed class OneHotDesign : ILinearOperator
{
    private readonly int[][] levelOfRowByFactor;
    private readonly int[] firstColumnByFactor;
    private readonly double[] weightByRow;
    private readonly double[] sqrtWeightByRow;
    private readonly int dropped;

    public OneHotDesign(int[] levelCountByFactor, int[][] levelOfRowByFactor, double[] weightByRow, Coding coding)
    {
        this.levelOfRowByFactor = levelOfRowByFactor;
        Rows = weightByRow.Length;
        this.weightByRow = weightByRow;
        sqrtWeightByRow = weightByRow.Select(Math.Sqrt).ToArray();
        dropped = coding == Coding.Treatment ? 1 : 0;
        firstColumnByFactor = new int[levelCountByFactor.Length];
        int column = 1;
        for (int f = 0; f < levelCountByFactor.Length; f++)
        {
            firstColumnByFactor[f] = column - dropped;
            column += levelCountByFactor[f] - dropped;
        }

        Columns = column;
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Random cells: each factor's codes uniform, every level present; counts 1..20.</summary>
    public static OneHotDesign Random(int seed, int cells, int[] levelCountByFactor, Coding coding)
    {
        var random = new Random(seed);
        var levelOfRowByFactor = new int[levelCountByFactor.Length][];
        for (int f = 0; f < levelCountByFactor.Length; f++)
        {
            // The first L cells visit every level once, so no column is empty.
            levelOfRowByFactor[f] = Enumerable.Range(0, cells)
                .Select(i => i < levelCountByFactor[f] ? i : random.Next(levelCountByFactor[f]))
                .ToArray();
        }

        var weightByRow = Enumerable.Range(0, cells).Select(_ => (double)random.Next(1, 21)).ToArray();
        return new OneHotDesign(levelCountByFactor, levelOfRowByFactor, weightByRow, coding);
    }

    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        for (int i = 0; i < Rows; i++)
        {
            double s = x[0];
            for (int f = 0; f < levelOfRowByFactor.Length; f++)
            {
                int level = levelOfRowByFactor[f][i];
                if (level >= dropped)
                {
                    s += x[firstColumnByFactor[f] + level];
                }
            }

            result[i] = sqrtWeightByRow[i] * s;
        }
    }

    public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
    {
        // Serial scatter: rows of one level add into the same slot, in row order.
        result[..Columns].Clear();
        for (int i = 0; i < Rows; i++)
        {
            double weighted = sqrtWeightByRow[i] * y[i];
            result[0] += weighted;
            for (int f = 0; f < levelOfRowByFactor.Length; f++)
            {
                int level = levelOfRowByFactor[f][i];
                if (level >= dropped)
                {
                    result[firstColumnByFactor[f] + level] += weighted;
                }
            }
        }
    }

    /// <summary>‖a_j‖² by column: the total count of the level (of all cells for the intercept), as a caller knows it.</summary>
    public double[] SquaredNormByColumn()
    {
        var result = new double[Columns];
        for (int i = 0; i < Rows; i++)
        {
            double weight = weightByRow[i];
            result[0] += weight;
            for (int f = 0; f < levelOfRowByFactor.Length; f++)
            {
                int level = levelOfRowByFactor[f][i];
                if (level >= dropped)
                {
                    result[firstColumnByFactor[f] + level] += weight;
                }
            }
        }

        return result;
    }

    public Matrix<double> ToMatrix()
    {
        var dense = Matrix<double>.Build.Dense(Rows, Columns);
        for (int i = 0; i < Rows; i++)
        {
            dense[i, 0] = sqrtWeightByRow[i];
            for (int f = 0; f < levelOfRowByFactor.Length; f++)
            {
                int level = levelOfRowByFactor[f][i];
                if (level >= dropped)
                {
                    dense[i, firstColumnByFactor[f] + level] = sqrtWeightByRow[i];
                }
            }
        }

        return dense;
    }
}
