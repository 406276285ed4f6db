using System.Security.Cryptography;
using Keel.Results;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Results;

/// <summary>
/// p-values of t and F against closed forms (t with 1 and 2 degrees of freedom), the identity
/// F(1, n) = t(n)², SciPy's values, and a digest of their bits (they are built from IEEE operations
/// and Keel's own Log/Exp only, so every machine must give the same bits).
/// </summary>
public class StudentTTests
{
    [Fact]
    public void One_degree_of_freedom_is_the_Cauchy_distribution()
    {
        // P(|T| > t) = 1 − (2/π)·atan(t) = (2/π)·atan(1/t) for the Cauchy distribution. Tolerance:
        // Lanczos's log-gamma and the continued fraction are good to about 1e-15 each, the closed
        // form to a few ulps; 1e-13 leaves room for the front factor's exp of a sum of logs.
        foreach (double t in new[] { 0.01, 0.5, 1.0, 2.0, 7.5, 60.0, 1e4 })
        {
            double expected = 2 / Math.PI * Math.Atan(1 / t);
            Numeric.AssertClose(expected, StudentT.TwoSidedP(t, 1), 1e-13, 0, $"t = {t}");
            Numeric.AssertClose(expected, StudentT.TwoSidedP(-t, 1), 1e-13, 0, $"t = -{t}");
        }
    }

    [Fact]
    public void Two_degrees_of_freedom_have_a_closed_form()
    {
        // P(|T| > t) = 1 − t/√(2 + t²) = 2/(s·(s + t)), s = √(2 + t²), written without cancellation.
        foreach (double t in new[] { 0.001, 0.3, 1.0, 4.0, 30.0, 1e5 })
        {
            double s = Math.Sqrt(2 + (t * t));
            Numeric.AssertClose(2 / (s * (s + t)), StudentT.TwoSidedP(t, 2), 1e-13, 0, $"t = {t}");
        }
    }

    [Fact]
    public void F_with_one_numerator_degree_of_freedom_is_t_squared()
    {
        foreach (double n in new[] { 1.0, 2, 5, 30, 1000 })
        {
            foreach (double t in new[] { 0.2, 1.0, 2.5, 9.0 })
            {
                Assert.Equal(StudentT.TwoSidedP(t, n), StudentT.FUpperTail(t * t, 1, n));
            }
        }
    }

    [Theory]
    // Values from SciPy 1.10.1: /usr/bin/python3 -c "from scipy import stats; print(repr(2*stats.t.sf(T, DF)))"
    // Tolerance from the conditioning of the front factor: ln Γ terms of size up to about
    // a·ln a cancel, each good to about 1e-15 relative (1e-12 for df <= 250; 1e-9 at df = 1e5).
    [InlineData(2.5, 10, 0.031446844236608776, 1e-12)]
    [InlineData(0.3, 7, 0.7728900504021343, 1e-12)]
    [InlineData(12.0, 30, 5.580185415199261e-13, 1e-12)]
    [InlineData(3.0, 100000, 0.0027004608840647194, 1e-9)]
    public void Two_sided_t_against_SciPy(double t, double df, double expected, double rel) =>
        Numeric.AssertClose(expected, StudentT.TwoSidedP(t, df), rel, 0, $"t = {t}, df = {df}");

    [Theory]
    // SciPy 1.10.1: /usr/bin/python3 -c "from scipy import stats; print(repr(stats.f.sf(F, D1, D2)))"
    [InlineData(3.2, 4, 30, 0.026571532885920453, 1e-12)]
    [InlineData(1.7, 120, 250, 0.000249740486572096, 1e-11)]
    [InlineData(45.0, 3, 1000, 2.787272996669876e-27, 1e-11)]
    [InlineData(0.4, 10, 5, 0.8979977233557302, 1e-12)]
    public void F_upper_tail_against_SciPy(double f, double df1, double df2, double expected, double rel) =>
        Numeric.AssertClose(expected, StudentT.FUpperTail(f, df1, df2), rel, 0, $"F = {f} on {df1}, {df2}");

    [Fact]
    public void The_bits_of_p_values_are_pinned()
    {
        // Computed once on x64 Linux; any CPU, runtime setting or operating system must give these bits.
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> bytes = stackalloc byte[8];
        var random = new Random(55);
        for (int i = 0; i < 2000; i++)
        {
            double df = random.Next(1, 100) * (int)Math.Pow(10, random.Next(0, 4)); // exact: integer powers of 10
            double t = (random.NextDouble() - 0.3) * 12;
            BitConverter.TryWriteBytes(bytes, StudentT.TwoSidedP(t, df));
            sha.AppendData(bytes);
            BitConverter.TryWriteBytes(bytes, StudentT.FUpperTail(t * t * 0.7, random.Next(1, 200), df));
            sha.AppendData(bytes);
        }

        string digest = Convert.ToHexStringLower(sha.GetHashAndReset());
        Assert.True(digest == "6dc0428351cbe50ebb25122060ed52d33b837bb355f920d479070425d2061c1b", $"digest {digest}");
    }
}
