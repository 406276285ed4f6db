namespace Keel.Tests.TestSupport;

/// <summary>
/// The one place floating-point results are compared. Every caller states the tolerance it
/// derived (from the conditioning of the case) so a reader can check why it is what it is.
/// </summary>
internal static class Numeric
{
    /// <summary>Machine epsilon of binary64, 2^-52 (not double.Epsilon, the smallest subnormal).</summary>
    public const double Eps = 2.220446049250313e-16;

    public static void AssertClose(double expected, double actual, double rel, double abs = 0.0, string? what = null)
    {
        double bound = Math.Max(abs, rel * Math.Abs(expected));
        double diff = Math.Abs(expected - actual);
        if (!(diff <= bound))
        {
            Assert.Fail($"{what ?? "value"}: expected {expected:R}, got {actual:R}, |diff| = {diff:R} > bound {bound:R} (rel {rel:R}, abs {abs:R})");
        }
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rel, double abs = 0.0, string? what = null)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], rel, abs, $"{what ?? "vector"}[{i}]");
        }
    }
}
