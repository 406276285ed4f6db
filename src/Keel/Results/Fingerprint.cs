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
        // The bits go to the hash in blocks (one call per 8 bytes cost 15 ms for 44,000 levels):
        // the same byte sequence, so the same digest.
        Span<byte> block = stackalloc byte[4096];
        int used = 0;
        foreach (double? estimate in estimates)
        {
            if (used == block.Length)
            {
                sha.AppendData(block);
                used = 0;
            }

            BinaryPrimitives.WriteInt64LittleEndian(block[used..], estimate is { } e ? BitConverter.DoubleToInt64Bits(e) : 0L);
            used += 8;
        }

        sha.AppendData(block[..used]);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
