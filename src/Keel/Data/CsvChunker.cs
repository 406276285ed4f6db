using System.Buffers;

namespace Keel.Data;

/// <summary>One run of whole CSV records cut from a file, with the line of its first record.</summary>
internal sealed class CsvChunk
{
    public CsvChunk(int index, byte[] bytes, int length, long firstLine)
    {
        Index = index;
        Bytes = bytes;
        Length = length;
        FirstLine = firstLine;
    }

    /// <summary>Position of the chunk in the file (0 = first), to report the earliest error.</summary>
    public int Index { get; }

    /// <summary>The records' bytes (a rented buffer: valid until returned to the chunker).</summary>
    public byte[] Bytes { get; }

    public int Length { get; }

    /// <summary>Line (record number, the header being 1) of the chunk's first record.</summary>
    public long FirstLine { get; }
}

/// <summary>
/// Cuts a CSV file (or the decompressed bytes of a .csv.gz) into chunks of whole records, for
/// parsing on several threads. A record ends at a line feed outside quotes; in RFC 4180 a field's
/// quotes (doubled ones included) come in pairs, so "outside quotes" is an even count of quote
/// bytes since the chunk's start, which is itself a record boundary. UTF-8 never has a 0x0A or 0x22
/// byte inside a multi-byte character, so no character is cut.
/// Invariant: the chunks, in index order, are exactly the file's bytes after the header row.
/// Cost: one vectorised scan for quote and newline bytes (IndexOfAny); not thread-safe, callers
/// take chunks under a lock and parse them in parallel.
/// </summary>
internal sealed class CsvChunker : IDisposable
{
    private readonly Stream _file;
    private readonly Stream _bytes;
    private readonly int _chunkBytes;
    private byte[] _carry = [];
    private int _carryLength;
    private bool _endOfFile;
    private long _nextLine = 2;
    private int _nextIndex;

    private CsvChunker(string name, string[] header, Stream file, Stream bytes, int chunkBytes)
    {
        Name = name;
        Header = header;
        _file = file;
        _bytes = bytes;
        _chunkBytes = chunkBytes;
    }

    public string Name { get; }

    /// <summary>Column names (read and checked by <see cref="CsvSource"/>).</summary>
    public string[] Header { get; }

    /// <summary>The header record's bytes with its line end, without a byte order mark.</summary>
    public byte[] HeaderLine { get; private set; } = [];

    /// <summary>Bytes of the file read so far and its size, for progress.</summary>
    public (long Done, long Total) Position => (_file.Position, _file.Length);

    /// <summary>Opens <paramref name="path"/>, takes its header from <see cref="CsvSource.Open"/> (same checks and messages) and skips it.</summary>
    public static CsvChunker Open(string path, int chunkBytes)
    {
        string[] header;
        using (CsvSource source = CsvSource.Open(path))
        {
            header = [.. source.ColumnNames];
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Stream bytes = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? GzipInput.Open(path, file) : file;
        var chunker = new CsvChunker(path, header, file, bytes, chunkBytes);
        chunker.SkipHeader();
        return chunker;
    }

    /// <summary>The next chunk of whole records, or null at the end of the file.</summary>
    public CsvChunk? Next()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_chunkBytes, _carryLength * 2));
        _carry.AsSpan(0, _carryLength).CopyTo(buffer);
        int length = _carryLength;
        while (true)
        {
            length += Fill(buffer, length);
            (long records, int lastBoundary) = Scan(buffer.AsSpan(0, length));
            if (_endOfFile)
            {
                _carryLength = 0;
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }

                return Emit(buffer, length, records + (lastBoundary < length ? 1 : 0));
            }

            if (lastBoundary > 0)
            {
                // Keep the partial record after the last boundary for the next chunk.
                _carryLength = length - lastBoundary;
                if (_carry.Length < _carryLength)
                {
                    _carry = new byte[Math.Max(_carryLength, 1 << 12)];
                }

                buffer.AsSpan(lastBoundary, _carryLength).CopyTo(_carry);
                return Emit(buffer, lastBoundary, records);
            }

            // One record longer than the buffer (a long quoted field): grow and read on.
            byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }
    }

    /// <summary>Gives a chunk's buffer back.</summary>
    public static void Return(CsvChunk chunk) => ArrayPool<byte>.Shared.Return(chunk.Bytes);

    public void Dispose()
    {
        _bytes.Dispose();
        _file.Dispose();
    }

    private CsvChunk Emit(byte[] buffer, int length, long records)
    {
        var chunk = new CsvChunk(_nextIndex++, buffer, length, _nextLine);
        _nextLine += records;
        return chunk;
    }

    private int Fill(byte[] buffer, int from)
    {
        int at = from;
        while (at < buffer.Length && !_endOfFile)
        {
            int n = _bytes.Read(buffer, at, buffer.Length - at);
            _endOfFile = n == 0;
            at += n;
        }

        return at - from;
    }

    // Records ended by a line feed outside quotes, and the offset just past the last such line feed.
    private static (long Records, int LastBoundary) Scan(ReadOnlySpan<byte> bytes)
    {
        long records = 0;
        int last = 0;
        bool inQuotes = false;
        int at = 0;
        while (true)
        {
            int next = bytes[at..].IndexOfAny((byte)'"', (byte)'\n');
            if (next < 0)
            {
                return (records, last);
            }

            at += next;
            if (bytes[at] == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes)
            {
                records++;
                last = at + 1;
            }

            at++;
        }
    }

    // Drops a UTF-8 byte order mark and the header record (already read by CsvSource).
    private void SkipHeader()
    {
        byte[] buffer = new byte[1 << 16];
        int length = Fill(buffer, 0);
        int start = length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
        while (true)
        {
            (long records, int boundary) = FirstBoundary(buffer.AsSpan(start, length - start));
            if (records > 0)
            {
                HeaderLine = buffer[start..(start + boundary)];
                _carry = buffer;
                _carryLength = length - start - boundary;
                buffer.AsSpan(start + boundary, _carryLength).CopyTo(_carry);
                return;
            }

            if (_endOfFile)
            {
                // Only a header: nothing to read.
                _carryLength = 0;
                return;
            }

            Array.Resize(ref buffer, buffer.Length * 2);
            length += Fill(buffer, length);
        }
    }

    internal static (long Records, int Boundary) FirstBoundary(ReadOnlySpan<byte> bytes)
    {
        bool inQuotes = false;
        for (int at = 0; at < bytes.Length; at++)
        {
            if (bytes[at] == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (bytes[at] == (byte)'\n' && !inQuotes)
            {
                return (1, at + 1);
            }
        }

        return (0, 0);
    }
}
