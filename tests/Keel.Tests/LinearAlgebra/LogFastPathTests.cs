using Keel.LinearAlgebra;
using Xunit.Abstractions;

namespace Keel.Tests.LinearAlgebra;

/// <summary>
/// The fast path of ElementaryFunctions.Log against the double-double logarithm as the oracle
/// (LogDoubleDouble, relative error below 2^-98, itself checked against an exact BigInteger oracle
/// in ElementaryFunctionsTests): the same bits on every input class, and the fast path's error
/// before rounding within the 2^-64 that its rounding test assumes.
/// </summary>
public class LogFastPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Log_equals_the_double_double_log_bit_for_bit()
    {
        int count = 0;
        foreach (double x in Inputs(new Random(51), 400_000))
        {
            double fast = ElementaryFunctions.Log(x);
            double slow = ElementaryFunctions.LogDoubleDouble(x);
            Assert.True(BitConverter.DoubleToInt64Bits(fast) == BitConverter.DoubleToInt64Bits(slow), $"log({x:R}): {fast:R} against {slow:R}");
            count++;
        }

        Assert.True(count > 400_000);
    }

    [Fact]
    public void The_fast_path_error_is_within_its_bound()
    {
        // Measured relative error of rh + rl against the double-double value (2^-98 accurate, so
        // the measurement is good to about 2^-97). The rounding test assumes 2^-64.
        double worst = 0;
        int fallbacks = 0, count = 0;
        double window = Math.ScaleB(1.0, -62);
        foreach (double x in Inputs(new Random(52), 1_000_000))
        {
            ElementaryFunctions.LogFastPath(x, out double rh, out double rl);
            DoubleDouble exact = ElementaryFunctions.LogDoubleDoubleValue(x);
            DoubleDouble error = DoubleDouble.Subtract(exact, new DoubleDouble(rh, rl));
            if (exact.Hi != 0)
            {
                worst = Math.Max(worst, Math.Abs(error.Hi / exact.Hi));
            }
            else
            {
                Assert.Equal(0.0, rh);
            }

            double b = Math.Abs(rh) * window;
            if (!(rh + (rl - b) == rh && rh + (rl + b) == rh))
            {
                fallbacks++;
            }

            count++;
        }

        output.WriteLine($"worst relative error 2^{Math.Log2(worst):F2}; {fallbacks} fallbacks of {count}");
        Assert.True(worst < Math.ScaleB(1.0, -64), $"worst relative error 2^{Math.Log2(worst):F2}");
        // Expected about 2^-61/2^-52 = 1/512 of uniformly placed values; far more would mean the
        // fast path is not doing its job.
        Assert.True(fallbacks < count / 100, $"{fallbacks} fallbacks of {count}");
    }

    [Fact]
    public void Exact_values_and_special_inputs()
    {
        // log 1 = +0 exactly (not −0).
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(ElementaryFunctions.Log(1.0)));
        // Correctly rounded ln 2 and ln 10, from Python: mpmath.mp.prec = 300; float(mpmath.log(2)),
        // float(mpmath.log(10)), float(mpmath.log(mpmath.mpf(2)**-1074)).
        Assert.Equal(0.6931471805599453, ElementaryFunctions.Log(2.0));
        Assert.Equal(2.302585092994046, ElementaryFunctions.Log(10.0));
        Assert.Equal(-744.4400719213812, ElementaryFunctions.Log(double.Epsilon));
        Assert.Equal(double.NegativeInfinity, ElementaryFunctions.Log(0.0));
        Assert.Equal(double.NegativeInfinity, ElementaryFunctions.Log(-0.0));
        Assert.True(double.IsNaN(ElementaryFunctions.Log(-1e-300)));
        Assert.True(double.IsNaN(ElementaryFunctions.Log(double.NaN)));
        Assert.Equal(double.PositiveInfinity, ElementaryFunctions.Log(double.PositiveInfinity));

        // log(2^k) = k·ln 2 for every binade (subnormal and normal), against the double-double log.
        for (int k = -1074; k <= 1023; k++)
        {
            double x = Math.ScaleB(1.0, k);
            Assert.Equal(ElementaryFunctions.LogDoubleDouble(x), ElementaryFunctions.Log(x));
        }
    }

    private static IEnumerable<double> Inputs(Random random, int count)
    {
        // Every table interval, on both sides of each of its boundaries.
        for (int i = 0; i < 256; i++)
        {
            double boundary = 1.0 + (i / 256.0);
            yield return boundary;
            yield return Math.BitDecrement(boundary);
            yield return Math.BitIncrement(boundary);
            yield return boundary * 0.5;
            yield return Math.BitDecrement(boundary * 0.5);
        }

        // Neighbours of 1, and the extremes.
        for (int j = 1; j < 200; j++)
        {
            yield return 1.0 + (j * Math.ScaleB(1.0, -52));
            yield return 1.0 - (j * Math.ScaleB(1.0, -53));
        }

        yield return double.Epsilon;
        yield return double.MaxValue;
        yield return 2.2250738585072014e-308; // least normal
        yield return Math.BitDecrement(2.2250738585072014e-308); // greatest subnormal

        for (int n = 0; n < count; n++)
        {
            yield return (n % 6) switch
            {
                // Any positive finite double, subnormals included.
                0 => BitConverter.Int64BitsToDouble(random.NextInt64(1, 0x7FF0000000000000L)),
                // Subnormals.
                1 => BitConverter.Int64BitsToDouble(random.NextInt64(1, 1L << 52)),
                // Near 1, where the result is tiny.
                2 => 1 + ((random.NextDouble() - 0.5) * Math.ScaleB(1.0, -random.Next(1, 53))),
                // Targets as they come: prices, counts, decimals.
                3 => Math.Round(random.NextDouble() * 1e6, random.Next(0, 5)),
                4 => random.Next(1, 100_000),
                // Huge and tiny normals.
                _ => Math.ScaleB(1 + random.NextDouble(), random.Next(-1022, 1024)),
            };
        }
    }
}
