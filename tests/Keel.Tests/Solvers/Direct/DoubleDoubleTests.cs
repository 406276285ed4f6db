// Double-double arithmetic and the pairwise dot product against exact rationals.
//
// Oracle: exact rational arithmetic. Tolerances: TwoSum and TwoProduct are exact (Knuth,
// Dekker); the double-double operations of Hida, Li & Bailey (2001) have relative error below
// about 4·u² to 11·u² (u = 2^-53), so 2^-100 = 64·u² bounds all of them with margin; the
// pairwise dot errs by at most ErrorDepth(n)·u·Σ|x_i y_i| (Higham 2002, §4.2).

using Keel.LinearAlgebra;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

public class DoubleDoubleTests
{
    private static readonly double Bound = Math.ScaleB(1.0, -100);

    [Fact]
    public void TwoSum_and_TwoProduct_are_error_free()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 2000; trial++)
        {
            double a = RandomDouble(rng);
            double b = RandomDouble(rng);
            DoubleDouble sum = DoubleDouble.TwoSum(a, b);
            DoubleDouble product = DoubleDouble.TwoProduct(a, b);
            Assert.Equal(Rational.FromDouble(a) + Rational.FromDouble(b), Exact(sum));
            Assert.Equal(Rational.FromDouble(a) * Rational.FromDouble(b), Exact(product));
            Assert.Equal(a + b, sum.Hi);
            Assert.Equal(a * b, product.Hi);
        }
    }

    [Fact]
    public void Add_multiply_divide_and_sqrt_are_accurate_to_2_to_the_minus_100()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 2000; trial++)
        {
            DoubleDouble x = RandomDoubleDouble(rng);
            DoubleDouble y = RandomDoubleDouble(rng);
            Rational ex = Exact(x);
            Rational ey = Exact(y);
            AssertRelative(ex + ey, x + y, "add");
            AssertRelative(ex - ey, x - y, "subtract");
            AssertRelative(ex * ey, x * y, "multiply");
            AssertRelative(ex / ey, x / y, "divide");
            AssertRelative(ex * Rational.FromDouble(y.Hi), DoubleDouble.Multiply(x, y.Hi), "multiply by double");

            // sqrt: a relative error e in s gives about 2e in s², so compare s² with x at twice the bound.
            DoubleDouble root = DoubleDouble.Sqrt(DoubleDouble.Abs(x));
            Rational square = Exact(root) * Exact(root);
            Rational absX = Rational.Abs(ex);
            Assert.True(Rational.Abs(square - absX) <= absX * Rational.FromDouble(2 * Bound), $"sqrt of {x}");
        }
    }

    [Fact]
    public void Results_are_normalised_so_the_high_part_is_the_rounded_value()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 500; trial++)
        {
            DoubleDouble z = RandomDoubleDouble(rng) * RandomDoubleDouble(rng);
            Assert.Equal(z.Hi, z.Hi + z.Lo);
            Assert.Equal(Exact(z).ToDouble(), z.ToDouble());
        }
    }

    [Fact]
    public void Pairwise_dot_of_a_million_equal_terms_stays_within_its_error_depth()
    {
        // Recursive summation of 10^6 copies of 0.1 drifts by about 1e-11 relative; pairwise cannot.
        const int n = 1_000_000;
        var x = new double[n];
        var ones = new double[n];
        Array.Fill(x, 0.1);
        Array.Fill(ones, 1.0);
        double exact = (Rational.FromDouble(0.1) * Rational.FromInteger(n)).ToDouble();
        double bound = Kernels.PairwiseErrorDepth(n) * DenseTestDesigns.U * exact;
        Numeric.AssertClose(exact, Kernels.PairwiseDot(x, ones), 0, bound, "pairwise dot");
        Assert.Equal(32, Kernels.PairwiseErrorDepth(n));
    }

    private static void AssertRelative(Rational exact, DoubleDouble actual, string what)
    {
        Rational error = Rational.Abs(Exact(actual) - exact);
        Assert.True(error <= Rational.Abs(exact) * Rational.FromDouble(Bound), $"{what}: error {error.ToDouble() / Math.Abs(exact.ToDouble()):E3} relative");
    }

    private static Rational Exact(DoubleDouble x) => Rational.FromDouble(x.Hi) + Rational.FromDouble(x.Lo);

    private static double RandomDouble(Random rng) =>
        Math.ScaleB((2 * rng.NextDouble()) - 1, rng.Next(-40, 40));

    private static DoubleDouble RandomDoubleDouble(Random rng)
    {
        double hi = RandomDouble(rng);
        double lo = hi * Math.ScaleB((2 * rng.NextDouble()) - 1, -53);
        return DoubleDouble.FastTwoSum(hi, lo);
    }
}
