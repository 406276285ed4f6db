// The exact oracle shared by the ExactSum and Kernels tests, and the checks that it is itself right.
//
// A sum of doubles and of products of doubles is an integer multiple of 2^-2148 (the weight of the
// least bit of a product of two subnormals), so the oracle keeps N = S·2^2148 as a BigInteger and
// rounds through the exact decimal expansion N·5^2148·10^-2148 and double.Parse, which is correctly
// rounded since .NET Core 3.0: an algorithm unrelated to ExactSum's own rounding.
using System.Globalization;
using System.Numerics;

namespace Keel.Tests.Compression;

internal static class ExactOracle
{
    /// <summary>S is represented as N·2^-Shift.</summary>
    public const int Shift = 2148;

    private static readonly BigInteger FiveToShift = BigInteger.Pow(5, Shift);

    /// <summary>x·2^Shift as an integer.</summary>
    public static BigInteger Scaled(double x)
    {
        (BigInteger m, int f) = Split(x);
        return m << (f + Shift);
    }

    /// <summary>a·b·2^Shift as an integer (exact).</summary>
    public static BigInteger ScaledProduct(double a, double b)
    {
        (BigInteger ma, int fa) = Split(a);
        (BigInteger mb, int fb) = Split(b);
        return (ma * mb) << (fa + fb + Shift);
    }

    /// <summary>significand·2^exponent·2^Shift as an integer (exponent ≥ −Shift).</summary>
    public static BigInteger Scaled(BigInteger significand, int exponent) => significand << (exponent + Shift);

    public static BigInteger Sum(IEnumerable<double> xs) => xs.Aggregate(BigInteger.Zero, (s, x) => s + Scaled(x));

    /// <summary>N·2^-Shift rounded to the nearest double, ties to even; exact zero gives +0.</summary>
    public static double Round(BigInteger n)
    {
        if (n.IsZero)
        {
            return 0.0;
        }

        string digits = BigInteger.Abs(n * FiveToShift).ToString(CultureInfo.InvariantCulture);
        double magnitude = double.Parse($"{digits}e-{Shift}", NumberStyles.Float, CultureInfo.InvariantCulture);
        return n.Sign < 0 ? -magnitude : magnitude;
    }

    /// <summary>x = m·2^f with m an integer, read from the fields of the encoding.</summary>
    private static (BigInteger M, int F) Split(double x)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(Math.Abs(x));
        int field = (int)(bits >> 52);
        ulong fraction = bits & ((1UL << 52) - 1);
        BigInteger m = field == 0 ? fraction : fraction + (1UL << 52);
        return (x < 0 ? -m : m, Math.Max(field, 1) - 1075);
    }
}

/// <summary>Random doubles of every kind, reproducible from a seed.</summary>
internal static class RandomDoubles
{
    /// <summary>A random sign and 53-bit significand times 2^e, e uniform in [minExp, maxExp] (subnormals allowed).</summary>
    public static double Next(Random rng, int minExp, int maxExp)
    {
        double significand = 1.0 + (rng.NextInt64(1L << 52) * Math.ScaleB(1.0, -52));
        double x = Math.ScaleB(significand, rng.Next(minExp, maxExp + 1));
        return rng.Next(2) == 0 ? x : -x;
    }

    /// <summary>A random subnormal (or zero) with random sign.</summary>
    public static double Subnormal(Random rng)
    {
        double x = BitConverter.Int64BitsToDouble(rng.NextInt64(1L << 52));
        return rng.Next(2) == 0 ? x : -x;
    }
}

public class ExactSumOracleTests
{
    [Fact]
    public void Oracle_rounds_representable_values_to_themselves()
    {
        var rng = new Random(11);
        for (int i = 0; i < 200; i++)
        {
            double x = i % 4 == 0 ? RandomDoubles.Subnormal(rng) : RandomDoubles.Next(rng, -1074, 1023);
            Assert.Equal(BitConverter.DoubleToInt64Bits(x == 0 ? 0.0 : x), BitConverter.DoubleToInt64Bits(ExactOracle.Round(ExactOracle.Scaled(x))));
        }
    }

    [Fact]
    public void Oracle_breaks_ties_to_even_and_overflows_to_infinity()
    {
        BigInteger one = ExactOracle.Scaled(1.0);
        Assert.Equal(1.0, ExactOracle.Round(one + (one >> 53)));                    // 1 + 2^-53: tie, 1 is even
        Assert.Equal(1.0 + Math.ScaleB(1, -51), ExactOracle.Round(one + (3 * (one >> 53)))); // 1 + 3·2^-53: tie up to even
        Assert.Equal(0.0, ExactOracle.Round(BigInteger.One << (ExactOracle.Shift - 1075)));       // half the least subnormal
        BigInteger max = ExactOracle.Scaled(double.MaxValue);
        Assert.Equal(double.PositiveInfinity, ExactOracle.Round(max + (BigInteger.One << (970 + ExactOracle.Shift)))); // MaxValue + ulp/2: tie, rounds up
    }
}
