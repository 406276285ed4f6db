using System.Numerics;
using System.Security.Cryptography;
using Keel.LinearAlgebra;

namespace Keel.Tests.LinearAlgebra;

/// <summary>
/// Keel's own Log and Exp: correctly rounded against an exact oracle (BigInteger fixed point with
/// 320 fraction bits), within 1 ulp of the C library on many inputs, the special values, and a
/// digest of the bits on a fixed input set that must be the same on every machine and setting.
/// </summary>
public class ElementaryFunctionsTests
{
    private const int P = 320;

    [Fact]
    public void Log_is_correctly_rounded_against_the_exact_oracle()
    {
        var random = new Random(5);
        int checkedCount = 0;
        foreach (double x in LogInputs(random, 1500))
        {
            Assert.True(IsCorrectlyRounded(ElementaryFunctions.Log(x), OracleLog(x), 0), $"log({x:R}) = {ElementaryFunctions.Log(x):R}");
            checkedCount++;
        }

        Assert.Equal(1500, checkedCount);
    }

    [Fact]
    public void Exp_is_correctly_rounded_against_the_exact_oracle()
    {
        var random = new Random(6);
        foreach (double x in ExpInputs(random, 1500))
        {
            (BigInteger value, int power) = OracleExp(x);
            Assert.True(IsCorrectlyRounded(ElementaryFunctions.Exp(x), value, power), $"exp({x:R}) = {ElementaryFunctions.Exp(x):R}");
        }
    }

    [Fact]
    public void Log_and_exp_are_within_one_ulp_of_the_C_library()
    {
        var random = new Random(7);
        foreach (double x in LogInputs(random, 100_000))
        {
            Assert.True(UlpDistance(ElementaryFunctions.Log(x), Math.Log(x)) <= 1, $"log({x:R})");
        }

        foreach (double x in ExpInputs(random, 100_000))
        {
            Assert.True(UlpDistance(ElementaryFunctions.Exp(x), Math.Exp(x)) <= 1, $"exp({x:R})");
        }

        // The subnormal range of exp, faithful only.
        for (double x = -745.0; x < -708.0; x += 0.173)
        {
            Assert.True(UlpDistance(ElementaryFunctions.Exp(x), Math.Exp(x)) <= 1, $"exp({x:R})");
        }
    }

    [Fact]
    public void Special_values()
    {
        Assert.Equal(0.0, ElementaryFunctions.Log(1.0));
        Assert.Equal(double.NegativeInfinity, ElementaryFunctions.Log(0.0));
        Assert.Equal(double.NegativeInfinity, ElementaryFunctions.Log(-0.0));
        Assert.True(double.IsNaN(ElementaryFunctions.Log(-1.0)));
        Assert.True(double.IsNaN(ElementaryFunctions.Log(double.NaN)));
        Assert.Equal(double.PositiveInfinity, ElementaryFunctions.Log(double.PositiveInfinity));
        Assert.Equal(Math.Log(double.Epsilon), ElementaryFunctions.Log(double.Epsilon));
        Assert.Equal(Math.Log(double.MaxValue), ElementaryFunctions.Log(double.MaxValue));
        Assert.Equal(1.0, ElementaryFunctions.Exp(0.0));
        Assert.Equal(1.0, ElementaryFunctions.Exp(-0.0));
        Assert.Equal(double.PositiveInfinity, ElementaryFunctions.Exp(710.0));
        Assert.Equal(double.PositiveInfinity, ElementaryFunctions.Exp(double.PositiveInfinity));
        Assert.Equal(0.0, ElementaryFunctions.Exp(-746.0));
        Assert.Equal(0.0, ElementaryFunctions.Exp(double.NegativeInfinity));
        Assert.True(double.IsNaN(ElementaryFunctions.Exp(double.NaN)));
        Assert.Equal(Math.Exp(709.78), ElementaryFunctions.Exp(709.78));
        Assert.Equal(Math.E, ElementaryFunctions.Exp(1.0));
        Assert.Equal(2.0, ElementaryFunctions.Exp(ElementaryFunctions.Log(2.0)));
        Assert.Equal(Math.Log(1 + Math.ScaleB(1.0, -52)), ElementaryFunctions.Log(1 + Math.ScaleB(1.0, -52)));
        Assert.Equal(Math.Log(1 - Math.ScaleB(1.0, -53)), ElementaryFunctions.Log(1 - Math.ScaleB(1.0, -53)));
    }

    [Fact]
    public void The_bits_on_a_fixed_input_set_are_pinned()
    {
        // Computed once on x64 Linux; any machine, vector width or runtime setting must give the same
        // digest (the child-process reproducibility test covers the settings for the whole fit).
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(11);
        Span<byte> bytes = stackalloc byte[8];
        foreach (double x in LogInputs(random, 20_000))
        {
            BitConverter.TryWriteBytes(bytes, ElementaryFunctions.Log(x));
            sha.AppendData(bytes);
        }

        foreach (double x in ExpInputs(random, 20_000))
        {
            BitConverter.TryWriteBytes(bytes, ElementaryFunctions.Exp(x));
            sha.AppendData(bytes);
        }

        string digest = Convert.ToHexStringLower(sha.GetHashAndReset());
        Assert.True(digest == PinnedDigest, $"digest {digest}");
    }

    internal const string PinnedDigest = "10fe1596dafdab8e529e8be435399e681162112348def4a26fa3e39f4369dba1";

    private static IEnumerable<double> LogInputs(Random random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return (i % 4) switch
            {
                // Any positive finite double (subnormals included).
                0 => BitConverter.Int64BitsToDouble(random.NextInt64(1, 0x7FF0000000000000L)),
                // Near 1, where cancellation would hurt.
                1 => 1 + ((random.NextDouble() - 0.5) * Math.ScaleB(1.0, -random.Next(1, 50))),
                // Typical targets: prices and counts.
                2 => Math.Round(random.NextDouble() * 100000, random.Next(0, 4)),
                _ => random.NextDouble() * 4,
            };
        }
    }

    private static IEnumerable<double> ExpInputs(Random random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return (i % 3) switch
            {
                0 => (random.NextDouble() * 1416) - 707,
                1 => (random.NextDouble() - 0.5) * Math.ScaleB(1.0, -random.Next(0, 58)),
                _ => (random.NextDouble() - 0.5) * 40,
            };
        }
    }

    private static long UlpDistance(double a, double b)
    {
        if (a == b)
        {
            return 0;
        }

        long ia = BitConverter.DoubleToInt64Bits(a), ib = BitConverter.DoubleToInt64Bits(b);
        if ((ia < 0) != (ib < 0))
        {
            return long.MaxValue;
        }

        return Math.Abs(ia - ib);
    }

    // ---- exact oracle: values as V·2^(power − P) with V a BigInteger ----

    // 2·atanh(num/den) = ln((den + num)/(den − num)) in fixed point with P fraction bits.
    private static BigInteger AtanhLog(BigInteger num, BigInteger den)
    {
        BigInteger s = (num << P) / den;
        BigInteger z = (s * s) >> P;
        BigInteger power = s, sum = BigInteger.Zero;
        for (int k = 0; !power.IsZero; k++)
        {
            sum += power / ((2 * k) + 1);
            power = (power * z) >> P;
        }

        return 2 * sum;
    }

    private static readonly BigInteger Ln2Fixed = AtanhLog(1, 3);

    private static BigInteger OracleLog(double x)
    {
        (BigInteger m, int e) = Decompose(x); // x = m·2^e, m odd or 2^52 <= m < 2^53
        int bits = (int)m.GetBitLength();
        // a = m/2^(bits−1) in [1, 2), x = a·2^(e + bits − 1).
        BigInteger half = BigInteger.One << (bits - 1);
        BigInteger lnA = AtanhLog(m - half, m + half);
        return lnA + ((e + bits - 1) * Ln2Fixed);
    }

    private static (BigInteger Value, int Power) OracleExp(double x)
    {
        (BigInteger m, int e) = Decompose(Math.Abs(x));
        BigInteger fixedX = e + P >= 0 ? m << (e + P) : m >> -(e + P);
        if (x < 0)
        {
            fixedX = -fixedX;
        }

        BigInteger n = BigInteger.Divide(fixedX, Ln2Fixed);
        if (fixedX.Sign < 0)
        {
            n -= 1;
        }

        BigInteger r = fixedX - (n * Ln2Fixed); // in [0, ln 2)
        BigInteger one = BigInteger.One << P;
        BigInteger sum = one, term = one;
        for (int k = 1; !term.IsZero; k++)
        {
            term = ((term * r) >> P) / k;
            sum += term;
        }

        return (sum, (int)n);
    }

    private static (BigInteger Mantissa, int Exponent) Decompose(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int biased = (int)(bits >> 52) & 0x7FF;
        long fraction = bits & ((1L << 52) - 1);
        return biased == 0 ? (fraction, -1074) : (fraction | (1L << 52), biased - 1075);
    }

    // True when d is the double nearest to V·2^(power − P) (V exact up to the oracle's 2^-300 error).
    private static bool IsCorrectlyRounded(double d, BigInteger v, int power)
    {
        if (v.IsZero || d == 0 || !double.IsFinite(d))
        {
            return v.IsZero && d == 0; // log 1 = 0 exactly
        }

        bool negative = d < 0;
        (BigInteger m, int e) = Decompose(Math.Abs(d));
        BigInteger target = negative ? -v : v;
        // Compare m·2^e with target·2^(power − P): scale both by 2^(P − power − e + 2) when positive.
        int shift = P - power;
        BigInteger dScaled = ShiftLeft(m, e + shift + 2);
        BigInteger targetScaled = target << 2;
        BigInteger difference = targetScaled - dScaled;
        int exponent = (int)m.GetBitLength() - 1 + e;
        // Half an ulp of d (ulp = 2^(exponent − 52)); below a power of two the gap is half as wide.
        bool powerOfTwo = m.IsPowerOfTwo;
        int halfUlpExponent = exponent - 53 + shift + 2;
        if (powerOfTwo && difference.Sign < 0)
        {
            halfUlpExponent--;
        }

        BigInteger halfUlp = ShiftLeft(BigInteger.One, halfUlpExponent);
        return BigInteger.Abs(difference) < halfUlp;
    }

    private static BigInteger ShiftLeft(BigInteger x, int n) => n >= 0 ? x << n : x >> -n;
}
