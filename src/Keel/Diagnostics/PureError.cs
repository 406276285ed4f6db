using System.Numerics;
using Keel.Compression;
using Keel.LinearAlgebra;

namespace Keel.Diagnostics;

/// <summary>
/// Within-cell (pure error) sum of squares: per cell Σw·y² − (Σw·y)²/Σw, the part of the residual
/// that no model of these regressors can explain. Computed in double-double from the exact sums
/// (rounded to about 106 bits), because the two terms nearly cancel when a cell's spread is small
/// next to its mean; in plain doubles that cancellation would leave only noise.
/// Reference: Draper &amp; Smith, Applied Regression Analysis, §2.1 (pure error and lack of fit);
/// Dekker (1971) and Ogita, Rump &amp; Oishi (2005) for the error-free transformations.
/// </summary>
internal static class PureError
{
    /// <summary>The within-cell sum of squares of one cell (0 for a cell of one row, never negative).</summary>
    public static double OfCell(in ExactSum sumW, in ExactSum sumWy, in ExactSum sumWy2, long rows)
    {
        if (rows < 2)
        {
            return 0.0;
        }

        (double wHi, double wLo) = sumW.ToDoubleDouble();
        (double syHi, double syLo) = sumWy.ToDoubleDouble();
        (double s2Hi, double s2Lo) = sumWy2.ToDoubleDouble();

        // q = (Σwy)² / Σw in double-double.
        (double sqHi, double sqLo) = Square(syHi, syLo);
        (double qHi, double qLo) = Divide(sqHi, sqLo, wHi, wLo);
        (double dHi, double dLo) = Add(s2Hi, s2Lo, -qHi, -qLo);
        double ss = dHi + dLo;
        return ss > 0 ? ss : 0.0;
    }

    /// <summary>
    /// Sum over all cells, in cell order (a fixed order: the same bits every run). Targets near
    /// 1e±300 take <see cref="RootTotalScaledPerCell"/> instead, which cannot overflow.
    /// </summary>
    public static double Total(CellTable cells, out long cellsWithReplicates)
    {
        double total = 0;
        cellsWithReplicates = 0;
        for (int c = 0; c < cells.CellCount; c++)
        {
            if (cells.RowCount[c] > 1)
            {
                cellsWithReplicates++;
            }

            total += OfCell(cells.SumW[c], cells.SumWy[c], cells.SumWy2[c], cells.RowCount[c]);
        }

        return total;
    }

    /// <summary>
    /// The square root of the same total, for targets near the ends of the double range: each cell
    /// is scaled by its own power of two 2^-h (exact) so that its Σw·y² lies near 1, its pure error
    /// formed there, and the per-cell roots, scaled back, combined by the safely scaled
    /// <see cref="Kernels.Norm2"/>. So a cell of ordinary values keeps its digits next to a cell
    /// near 1e308 (one global scale would flush its squares to zero), and the root never overflows
    /// (it is at most the root of Σw·y²). Cell order: the same bits every run.
    /// </summary>
    public static double RootTotalScaledPerCell(CellTable cells)
    {
        var rootByCell = new double[cells.CellCount];
        for (int c = 0; c < cells.CellCount; c++)
        {
            if (cells.RowCount[c] < 2 || cells.SumWy2[c].IsZero)
            {
                continue;
            }

            int half = HalfExponent(cells.SumWy2[c]);
            double scaled = OfCell(cells.SumW[c], cells.SumWy[c].ScaleB(-half), cells.SumWy2[c].ScaleB(-2 * half), cells.RowCount[c]);
            rootByCell[c] = Math.ScaleB(Math.Sqrt(scaled), half);
        }

        return Kernels.Norm2(rootByCell);
    }

    /// <summary>√S of a non-negative exact sum S, formed on S·2^-2h near 1 (exact) and scaled back: no overflow.</summary>
    public static double SquareRoot(in ExactSum sum)
    {
        if (sum.IsZero)
        {
            return 0.0;
        }

        int half = HalfExponent(sum);
        return Math.ScaleB(Math.Sqrt(sum.ScaleB(-2 * half).ToDouble()), half);
    }

    // log2 S lies in [e, e + 1) for e = bits − 1 + exponent; half of e is the scale of a square root.
    private static int HalfExponent(in ExactSum sum)
    {
        (BigInteger significand, int exponent) = sum.ToExact();
        return (int)((BigInteger.Abs(significand).GetBitLength() - 1 + exponent) / 2);
    }

    private static (double Hi, double Lo) TwoSum(double a, double b)
    {
        double s = a + b;
        double bb = s - a;
        return (s, (a - (s - bb)) + (b - bb));
    }

    private static (double Hi, double Lo) Add(double aHi, double aLo, double bHi, double bLo)
    {
        (double s, double e) = TwoSum(aHi, bHi);
        e += aLo + bLo;
        return TwoSum(s, e);
    }

    private static (double Hi, double Lo) Square(double hi, double lo)
    {
        double p = hi * hi;
        double e = Math.FusedMultiplyAdd(hi, hi, -p) + (2 * hi * lo);
        return TwoSum(p, e);
    }

    private static (double Hi, double Lo) Divide(double aHi, double aLo, double bHi, double bLo)
    {
        double q1 = aHi / bHi;
        // remainder r = a − q1·b, exact enough in double-double
        double p = q1 * bHi;
        double pe = Math.FusedMultiplyAdd(q1, bHi, -p);
        double r = ((aHi - p) - pe + aLo) - (q1 * bLo);
        double q2 = r / bHi;
        return TwoSum(q1, q2);
    }
}
