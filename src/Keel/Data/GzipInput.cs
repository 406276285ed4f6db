using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Keel.Data;

/// <summary>
/// Decompresses a <c>.gz</c> file and refuses to end quietly on a truncated or corrupt one.
/// <para>
/// Why: .NET's <see cref="GZipStream"/> returns end-of-stream when the compressed bytes simply
/// stop, so a download cut short would be read as a shorter, valid file (rows lost, nothing said).
/// RFC 1952 §2.3.1 ends every gzip member with CRC-32 and ISIZE (the uncompressed length modulo
/// 2^32); this stream checks them when the data ends.
/// </para>
/// <list type="bullet">
/// <item>BGZF files (bgzip, RFC 1952 members with the <c>BC</c> extra field giving each block's
/// size; SAM/BAM specification §4.1) are walked block by block before reading: the walk must land
/// exactly on the end of the file.</item>
/// <item>Any other file is taken as one member (gzip, pigz): CRC-32 and length of all the
/// decompressed bytes must equal the file's last eight bytes. A file made by concatenating gzip
/// files fails this check and gets a message saying to decompress it first.</item>
/// </list>
/// </summary>
internal sealed class GzipInput : Stream
{
    private readonly string _path;
    private readonly GZipStream _inner;
    private readonly Crc32 _crc = new();
    private readonly bool _checkTrailer;
    private readonly uint _trailerCrc;
    private readonly uint _trailerLength;
    private long _length;
    private bool _checked;

    private GzipInput(string path, Stream file, bool checkTrailer, uint trailerCrc, uint trailerLength)
    {
        _path = path;
        _inner = new GZipStream(file, CompressionMode.Decompress);
        _checkTrailer = checkTrailer;
        _trailerCrc = trailerCrc;
        _trailerLength = trailerLength;
    }

    /// <summary>Wraps <paramref name="file"/> (positioned at its start, seekable) for checked decompression.</summary>
    public static Stream Open(string path, FileStream file)
    {
        long size = file.Length;
        Span<byte> head = stackalloc byte[18];
        int got = ReadAt(file, 0, head);
        if (got < 18 || head[0] != 0x1f || head[1] != 0x8b)
            throw KeelInputException.InFile(path, "not a gzip file (it does not start with the gzip signature 1f 8b); rename it if it is plain text");

        bool checkTrailer = true;
        if (IsBgzfHeader(head))
        {
            WalkBgzf(path, file, size);
            checkTrailer = false;
        }

        Span<byte> tail = stackalloc byte[8];
        ReadAt(file, size - 8, tail);
        file.Position = 0;
        return new GzipInput(path, file, checkTrailer,
            BinaryPrimitives.ReadUInt32LittleEndian(tail), BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw KeelInputException.InFile(_path, $"the gzip data are corrupt after {_length:N0} decompressed bytes ({e.Message.Split('\n')[0].Trim()})", e);
        }

        if (read > 0)
        {
            if (_checkTrailer)
                _crc.Append(buffer[..read]);
            _length += read;
        }
        else if (!_checked)
        {
            _checked = true;
            if (_checkTrailer && (_crc.GetCurrentHashAsUInt32() != _trailerCrc || (uint)_length != _trailerLength))
                throw KeelInputException.InFile(
                    _path,
                    $"the gzip file is truncated or corrupt: {_length:N0} bytes decompressed do not match its trailer " +
                    "(CRC-32 and length, RFC 1952); re-download it, or decompress it first if it is several gzip files concatenated");
        }
        return read;
    }

    private static bool IsBgzfHeader(ReadOnlySpan<byte> head) =>
        (head[3] & 0x04) != 0 && BinaryPrimitives.ReadUInt16LittleEndian(head[10..]) == 6
        && head[12] == (byte)'B' && head[13] == (byte)'C' && BinaryPrimitives.ReadUInt16LittleEndian(head[14..]) == 2;

    private static void WalkBgzf(string path, FileStream file, long size)
    {
        Span<byte> head = stackalloc byte[18];
        long at = 0;
        while (at < size)
        {
            if (ReadAt(file, at, head) < 18 || !IsBgzfHeader(head))
                throw KeelInputException.InFile(path, $"the bgzip file is truncated or corrupt (block at byte {at:N0} is incomplete)");
            at += BinaryPrimitives.ReadUInt16LittleEndian(head[16..]) + 1;
        }
        if (at != size)
            throw KeelInputException.InFile(path, $"the bgzip file is truncated (its last block needs {at - size:N0} more bytes)");
    }

    private static int ReadAt(FileStream file, long offset, Span<byte> into)
    {
        file.Position = offset;
        int total = 0;
        while (total < into.Length)
        {
            int n = file.Read(into[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
