using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Keel.Results;

/// <summary>
/// SHA-256 (lower-case hex) of the estimates' little-endian IEEE-754 binary64 bits in coefficient
/// order, a null estimate as 8 zero bytes. Two results agree bit for bit exactly when their
/// fingerprints agree.
/// </summary>
internal static class Fingerprint
{
    public static string Of(IEnumerable<double?> estimates)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> bits = stackalloc byte[8];
        foreach (double? estimate in estimates)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bits, estimate is { } e ? BitConverter.DoubleToInt64Bits(e) : 0L);
            sha.AppendData(bits);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
