using System.Security.Cryptography;
using Keel.Results;

namespace Keel.Tests.Results;

/// <summary>
/// The fingerprint is the contract's SHA-256 of the estimates' little-endian binary64 bits in
/// order, a null as 8 zero bytes (../shared/spec/cli.md). Fingerprint.Of hashes in 4 KB blocks
/// (512 estimates); the reference here builds the whole byte string and hashes it in one call
/// with .NET's one-shot SHA256, so a block boundary that dropped, repeated or reordered a byte
/// would show.
/// </summary>
public class FingerprintTests
{
    private static string Reference(double?[] estimates)
    {
        var bytes = new byte[estimates.Length * 8];
        for (int i = 0; i < estimates.Length; i++)
        {
            long bits = estimates[i] is { } e ? BitConverter.DoubleToInt64Bits(e) : 0L;
            for (int b = 0; b < 8; b++)
            {
                bytes[(i * 8) + b] = (byte)(bits >> (8 * b));
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(1024)]
    [InlineData(44_285)]
    public void Digest_IsTheSha256OfTheDocumentedBytes_AtEveryBlockBoundary(int count)
    {
        var rng = new Random(count + 7);
        var estimates = new double?[count];
        for (int i = 0; i < count; i++)
        {
            // Nulls (references, aliased) and signed values of every magnitude among them.
            estimates[i] = i % 97 == 3 ? null : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-300, 300));
        }

        Assert.Equal(Reference(estimates), Fingerprint.Of(estimates));
    }

    [Fact]
    public void Digest_OfNoEstimates_IsTheEmptyStringsSha256()
    {
        // FIPS 180-4's SHA-256 of the empty message, a published constant.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Fingerprint.Of([]));
    }

    [Fact]
    public void Digest_TellsANullFromAZeroOnlyByBits()
    {
        // A null is written as 8 zero bytes, the bits of +0.0; -0.0 differs in its sign bit.
        Assert.Equal(Fingerprint.Of([0.0]), Fingerprint.Of([null]));
        Assert.NotEqual(Fingerprint.Of([0.0]), Fingerprint.Of([-0.0]));
    }
}
