using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Data;

/// <summary>
/// A gzip file cut short must be an input error, not a shorter file read quietly (.NET's GZipStream
/// ends without complaint when the compressed bytes stop). Checked through the command line on the
/// one-thread reader and the chunked reader that --threads 2 uses.
/// </summary>
public sealed class GzipInputTests
{
    private const int Rows = 5000;

    private static string Csv()
    {
        var text = new StringBuilder("g,y\n");
        for (int i = 0; i < Rows; i++)
            text.Append(FormattableString.Invariant($"L{i % 7},{i * 0.25}\n"));
        return text.ToString();
    }

    private static byte[] Gzip(string text)
    {
        using var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(text));
        return memory.ToArray();
    }

    /// <summary>BGZF as bgzip writes it: members of at most 64 KiB with the BC extra field, then an empty end block.</summary>
    private static byte[] Bgzf(string text, int blockBytes)
    {
        byte[] data = Encoding.UTF8.GetBytes(text);
        using var output = new MemoryStream();
        for (int at = 0; at <= data.Length; at += blockBytes)
        {
            byte[] part = data.AsSpan(at, Math.Min(blockBytes, data.Length - at)).ToArray();
            using var deflated = new MemoryStream();
            using (var deflate = new DeflateStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
                deflate.Write(part);
            byte[] body = deflated.ToArray();
            int blockSize = 18 + body.Length + 8;
            byte[] header = [0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, (byte)'B', (byte)'C', 2, 0, 0, 0];
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(16), (ushort)(blockSize - 1));
            output.Write(header);
            output.Write(body);
            byte[] trailer = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.HashToUInt32(part));
            BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), (uint)part.Length);
            output.Write(trailer);
            if (part.Length == 0)
                break;
        }
        return output.ToArray();
    }

    private static KeelProcess.Outcome Fit(byte[] gz, string threads)
    {
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv.gz");
        File.WriteAllBytes(path, gz);
        try
        {
            return KeelProcess.Run(["fit", path, "--formula", "y ~ g", "--quiet", "--threads", threads]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void Whole_gzip_and_bgzip_files_are_read_to_the_last_row(string threads)
    {
        foreach (byte[] gz in new[] { Gzip(Csv()), Bgzf(Csv(), 4096) })
        {
            var outcome = Fit(gz, threads);
            Assert.True(outcome.ExitCode == 0, outcome.Stderr);
            Assert.Equal(Rows, outcome.Json.GetProperty("data").GetProperty("rows").GetInt64());
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void A_truncated_gzip_file_is_an_input_error_naming_the_file(string threads)
    {
        byte[] whole = Gzip(Csv());
        foreach (int keep in new[] { whole.Length / 3, whole.Length - 9, whole.Length - 1 })
        {
            var outcome = Fit(whole[..keep], threads);
            Assert.Equal(2, outcome.ExitCode);
            string message = outcome.Stderr.Trim();
            Assert.DoesNotContain('\n', message);
            Assert.Contains(".csv.gz", message, StringComparison.Ordinal);
            Assert.Contains("truncated", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_truncated_bgzip_file_is_an_input_error()
    {
        byte[] whole = Bgzf(Csv(), 4096);
        var outcome = Fit(whole[..(whole.Length / 2)], "1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("truncated", outcome.Stderr, StringComparison.Ordinal);
    }
}
