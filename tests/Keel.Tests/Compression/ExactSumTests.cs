// ExactSum against the exact oracle: exactness of the value, correct rounding of ToDouble, the
// special cases (zeros, overflow, subnormals, ties) and the struct's own rules (size, copies).
using System.Numerics;
using System.Runtime.CompilerServices;
using Keel.Compression;

namespace Keel.Tests.Compression;

public class ExactSumTests
{
    internal static BigInteger ScaledValue(in ExactSum s)
    {
        (BigInteger m, int e) = s.ToExact();
        return ExactOracle.Scaled(m, e);
    }

    internal static ExactSum SumOf(IEnumerable<double> xs)
    {
        var s = default(ExactSum);
        foreach (double x in xs)
        {
            s.Add(x);
        }

        return s;
    }

    /// <summary>The value is the exact sum and ToDouble is the oracle's rounding, to the bit.</summary>
    internal static void AssertExact(BigInteger expected, in ExactSum actual, string what)
    {
        Assert.True(expected == ScaledValue(actual), $"{what}: value not exact");
        double rounded = ExactOracle.Round(expected);
        Assert.True(
            BitConverter.DoubleToInt64Bits(rounded) == BitConverter.DoubleToInt64Bits(actual.ToDouble()),
            $"{what}: expected {rounded:R}, got {actual.ToDouble():R}");
    }

    /// <summary>
    /// The inline constructors build the very state the general path builds (not just the same
    /// value: the window's placement decides which later terms take the fast path, so a different
    /// state would be a different, untested code path). Doubles of every binade, subnormals, zeros
    /// and the extremes, against default(ExactSum) + Add / AddProduct.
    /// </summary>
    [Fact]
    public void Of_OfProduct_and_OfCount_build_the_state_the_general_path_builds()
    {
        var rng = new Random(20261128);
        var xs = new List<double> { 0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, 1.0, -1.0, 4503599627370496.0, 9007199254740993.0, 1e300, 1e-300, 2.2250738585072014E-308 };
        for (int i = 0; i < 20000; i++)
        {
            xs.Add(BitConverter.Int64BitsToDouble(rng.NextInt64() & ~(0x7FFL << 52) | ((long)rng.Next(0, 0x7FF) << 52)) * (rng.Next(2) == 0 ? 1 : -1));
        }

        for (int i = 0; i < xs.Count; i++)
        {
            double x = xs[i], y = xs[(i * 7919) % xs.Count];
            var added = default(ExactSum);
            added.Add(x);
            Assert.Equal(added.ToExact(), ExactSum.Of(x).ToExact());
            var product = default(ExactSum);
            product.AddProduct(x, y);
            Assert.Equal(product.ToExact(), ExactSum.OfProduct(x, y).ToExact());
        }

        foreach (long n in new[] { 0L, 1L, 2L, 12345L, (1L << 32) - 1, 1L << 32, (1L << 40) + 17, long.MaxValue / 2 })
        {
            var twoDoubles = default(ExactSum);
            twoDoubles.Add((double)(n >> 32) * 4294967296.0);
            twoDoubles.Add((double)(n & 0xFFFFFFFFL));
            Assert.Equal(twoDoubles.ToExact(), ExactSum.OfCount(n).ToExact());
            (BigInteger m, int e) = ExactSum.OfCount(n).ToExact();
            Assert.Equal((BigInteger)n, e >= 0 ? m << e : m >> -e);
        }
    }

    public static TheoryData<string, int> Mixes() => new()
    {
        { "similar", 1 }, { "decades", 2 }, { "full range", 3 }, { "subnormals", 4 }, { "cancellation", 5 },
    };

    internal static List<double> Mix(string kind, int seed, int n)
    {
        var rng = new Random(seed);
        var xs = new List<double>(n);
        for (int i = 0; i < n; i++)
        {
            xs.Add(kind switch
            {
                "similar" => 1000.0 + (rng.NextDouble() * 7.0),
                "decades" => RandomDoubles.Next(rng, -40, 40),                  // about 1e-12..1e12
                "full range" => RandomDoubles.Next(rng, -1000, 1000),           // about 1e-300..1e300
                "subnormals" => i % 2 == 0 ? RandomDoubles.Subnormal(rng) : RandomDoubles.Next(rng, -1074, -900),
                _ => RandomDoubles.Next(rng, -60, 60),
            });
        }

        if (kind == "cancellation")
        {
            xs.AddRange(xs.Select(x => -x).Take(n - 3)); // All but three cancel exactly.
        }

        return xs;
    }

    [Theory]
    [MemberData(nameof(Mixes))]
    public void Sum_is_exact_and_rounded_once(string kind, int seed)
    {
        List<double> xs = Mix(kind, seed, 2000);
        AssertExact(ExactOracle.Sum(xs), SumOf(xs), kind);
    }

    [Fact]
    public void Terms_at_the_edges_of_the_inline_window_are_exact()
    {
        // The first term, about 2^-k, fixes the window's lowest bit; the later terms (or squares)
        // reach 114..124 bits above it and their sum grows past 126 bits, so the headroom check, the
        // trailing-zero retry and the escalation all run at the edge. 2^-k has 52 trailing zero bits
        // to give back; its successor, one ulp more, has none, so that accumulator escalates.
        var rng = new Random(31);
        int escalated = 0;
        for (int shift = 0; shift < 82; shift++)
        {
            double first = shift % 2 == 0 ? Math.ScaleB(1.0, -(shift / 2)) : Math.BitIncrement(Math.ScaleB(1.0, -(shift / 2)));
            List<double> xs = [first];
            xs.AddRange(Enumerable.Range(0, 60).Select(_ => RandomDoubles.Next(rng, 62 - (shift / 2), 71 - (shift / 2))));
            ExactSum sum = SumOf(xs);
            AssertExact(ExactOracle.Sum(xs), sum, $"shift {shift}");
            escalated += sum.IsEscalated ? 1 : 0;

            List<double> ys = [first];
            ys.AddRange(Enumerable.Range(0, 60).Select(_ => RandomDoubles.Next(rng, 4 - (shift / 2), 9 - (shift / 2))));
            var squares = default(ExactSum);
            BigInteger expected = BigInteger.Zero;
            foreach (double y in ys)
            {
                squares.AddProduct(y, y);
                expected += ExactOracle.ScaledProduct(y, y);
            }

            AssertExact(expected, squares, $"squares, shift {shift}");
            escalated += squares.IsEscalated ? 1 : 0;
        }

        Assert.InRange(escalated, 1, 163); // Both paths ran.
    }

    [Fact]
    public void Catastrophic_cancellation_keeps_the_small_terms()
    {
        Assert.Equal(1.0, SumOf([1e16, 1.0, -1e16]).ToDouble());
        Assert.Equal(2.0, SumOf([1e300, 1.0, 1e-300, -1e300, 1.0]).ToDouble());
        Assert.Equal(1e-300, SumOf([1e300, 1e-300, -1e300]).ToDouble());
        Assert.Equal(double.Epsilon, SumOf([double.MaxValue, double.Epsilon, -double.MaxValue]).ToDouble());
    }

    [Theory]
    [InlineData(1.0, 53, 1, 1.0)]                        // 1 + 2^-53: tie, 1 is even
    [InlineData(1.0000000000000002, 53, 1, 1.0000000000000004)] // (1 + 2^-52) + 2^-53: tie, up to even
    [InlineData(1.0, 53, 3, 1.0000000000000004)]          // 1 + 3·2^-53: above half, up
    [InlineData(2.0, 53, 1, 2.0)]                        // 2 + 2^-53: below half, down
    public void Ties_round_to_even(double baseValue, int k, int units, double expected)
    {
        var s = default(ExactSum);
        s.Add(baseValue);
        for (int i = 0; i < units; i++)
        {
            s.Add(Math.ScaleB(1.0, -k));
        }

        Assert.Equal(expected, s.ToDouble());
    }

    [Fact]
    public void Tie_with_a_far_sticky_bit_rounds_up()
    {
        // 1 + 2^-53 + 2^-1074: just above the tie, so up, although the sticky bit is 1021 bits away.
        Assert.Equal(1.0000000000000002, SumOf([1.0, Math.ScaleB(1, -53), double.Epsilon]).ToDouble());
        Assert.Equal(1.0, SumOf([1.0, Math.ScaleB(1, -53), -double.Epsilon]).ToDouble());
    }

    [Fact]
    public void Subnormal_results_round_correctly()
    {
        var s = default(ExactSum);
        s.AddProduct(double.Epsilon, 0.5);                   // 2^-1075: tie between 0 and 2^-1074, 0 is even
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(s.ToDouble()));
        s.AddProduct(double.Epsilon, 1.0);                   // 3·2^-1075: tie, to 2·2^-1074 (even)
        Assert.Equal(2 * double.Epsilon, s.ToDouble());
        s.AddProduct(double.Epsilon, Math.ScaleB(1, -60));   // a little more than the tie
        Assert.Equal(2 * double.Epsilon, s.ToDouble());
        var minNormal = default(ExactSum);
        minNormal.Add(Math.ScaleB(1, -1022) - double.Epsilon); // largest subnormal
        minNormal.AddProduct(double.Epsilon, 0.5);            // + half an ulp: tie, up to the least normal
        Assert.Equal(Math.ScaleB(1, -1022), minNormal.ToDouble());
    }

    [Fact]
    public void Zeros_give_positive_zero()
    {
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(default(ExactSum).ToDouble()));
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(SumOf([-0.0, -0.0]).ToDouble()));
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(SumOf([-3.5, 3.5]).ToDouble()));
        Assert.True(SumOf([-0.0, 1e300, -1e300]).IsZero);
        var tiny = default(ExactSum);
        tiny.AddProduct(-double.Epsilon, double.Epsilon);    // −2^-2148 is not zero: it rounds to −0
        Assert.False(tiny.IsZero);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(tiny.ToDouble()));
    }

    [Fact]
    public void Overflow_rounds_to_infinity_and_stays_exact()
    {
        var s = SumOf([double.MaxValue, double.MaxValue]);
        Assert.Equal(double.PositiveInfinity, s.ToDouble());
        Assert.False(s.IsFiniteAsDouble);
        s.Add(-double.MaxValue);                             // back in range: nothing was lost
        Assert.True(s.IsFiniteAsDouble);
        Assert.Equal(double.MaxValue, s.ToDouble());
        var t = default(ExactSum);
        t.AddProduct(-1e300, 1e300);
        Assert.Equal(double.NegativeInfinity, t.ToDouble());
        Assert.Equal((double.NegativeInfinity, 0.0), t.ToDoubleDouble());
        var half = SumOf([double.MaxValue, Math.ScaleB(1, 970)]); // MaxValue + ulp/2: tie, odd, so up
        Assert.Equal(double.PositiveInfinity, half.ToDouble());
        half.Add(-double.Epsilon);
        Assert.Equal(double.MaxValue, half.ToDouble());
    }

    [Fact]
    public void Products_are_exact_over_the_whole_range()
    {
        var rng = new Random(5);
        var s = default(ExactSum);
        BigInteger expected = BigInteger.Zero;
        for (int i = 0; i < 3000; i++)
        {
            (int lo, int hi) = (i % 3) switch { 0 => (-10, 10), 1 => (-1074, 1023), _ => (-1074, -1000) };
            double a = i % 7 == 0 ? RandomDoubles.Subnormal(rng) : RandomDoubles.Next(rng, lo, hi);
            double b = RandomDoubles.Next(rng, lo, hi);

            s.AddProduct(a, b);
            expected += ExactOracle.ScaledProduct(a, b);
            if (i % 500 == 0)
            {
                AssertExact(expected, s, $"after {i + 1} products");
            }
        }

        AssertExact(expected, s, "products");
    }

    [Fact]
    public void Products_inside_the_window_are_exact_for_either_sign()
    {
        // Products of small integers have zero low 64 bits: the edge case of the inline negation.
        var rng = new Random(6);
        var s = default(ExactSum);
        BigInteger expected = BigInteger.Zero;
        for (int i = 0; i < 2000; i++)
        {
            (double a, double b) = i % 2 == 0
                ? (rng.Next(-1000, 1001), rng.Next(-8, 9) * 0.5)
                : (RandomDoubles.Next(rng, 0, 3), RandomDoubles.Next(rng, 0, 3));
            s.AddProduct(a, b);
            expected += ExactOracle.ScaledProduct(a, b);
            Assert.True(expected == ExactSumTests.ScaledValue(s), $"after product {i}: ({a:R})·({b:R})");
        }

        Assert.False(s.IsEscalated);
        AssertExact(expected, s, "inline products");
    }

    [Fact]
    public void Double_double_carries_the_exact_remainder()
    {
        var rng = new Random(8);
        List<double> xs = Enumerable.Range(0, 500).Select(_ => RandomDoubles.Next(rng, -80, 80)).ToList();
        BigInteger exact = ExactOracle.Sum(xs);
        (double hi, double lo) = SumOf(xs).ToDoubleDouble();
        Assert.Equal(ExactOracle.Round(exact), hi);
        Assert.Equal(ExactOracle.Round(exact - ExactOracle.Scaled(hi)), lo);
        Assert.Equal(hi, hi + lo);
    }

    [Fact]
    public void Negate_clone_and_exact_round_trip()
    {
        List<double> xs = Mix("full range", 3, 300);
        ExactSum s = SumOf(xs);
        Assert.True(s.IsEscalated);
        ExactSum copy = s.Clone();
        copy.Negate();
        AssertExact(-ExactOracle.Sum(xs), copy, "negated clone");
        AssertExact(ExactOracle.Sum(xs), s, "original after clone mutated");
        (BigInteger m, int e) = s.ToExact();
        AssertExact(ExactOracle.Sum(xs), ExactSum.FromExact(m, e), "from exact");
        AssertExact(ExactOracle.Scaled(-5.0), ExactSum.FromExact(-5, 0), "small from exact");
        var small = SumOf([1.5, 2.25]);
        small.Negate();
        Assert.Equal(-3.75, small.ToDouble());
    }

    [Fact]
    public void A_stale_copy_of_an_escalated_accumulator_throws()
    {
        var s = SumOf([1e300, 1e-300]);
        Assert.True(s.IsEscalated);
        ExactSum stale = s;                                  // a struct copy shares the limbs...
        s.Add(1.0);                                          // ...so after the original moves on,
        Assert.Throws<InvalidOperationException>(() => stale.ToDouble()); // the copy refuses to answer
        Assert.Equal(1e300, s.ToDouble());
    }

    [Fact]
    public void Accumulator_is_at_most_32_bytes_and_similar_values_stay_inline()
    {
        Assert.True(Unsafe.SizeOf<ExactSum>() <= 32, $"size {Unsafe.SizeOf<ExactSum>()}");
        var rng = new Random(2);
        var sum = default(ExactSum);
        var sumOfSquares = default(ExactSum);
        for (int i = 0; i < 100_000; i++)
        {
            double y = Math.Round(rng.NextDouble() * 1000, 2);
            sum.Add(y);
            sumOfSquares.AddProduct(y, y);
        }

        Assert.False(sum.IsEscalated);
        Assert.True(sumOfSquares.IsEscalated);              // 106-bit squares of decimals fill the window.
    }
}
