// CsvBlocks: cuts an uncompressed CSV file into ranges of whole records in parallel, with no serial scan.
//
// Reference: Ge, Li, Kim, Tufte, Chen and Kossmann (2019), "Speculative Distributed CSV Data Parsing
//   for Big Data Analytics", SIGMOD: a block's parse state at its start is unknown but has only two
//   values here (inside or outside quotes), so each block is scanned once for both, and a prefix pass
//   over the blocks' quote parities picks the right one.
// Rule (RFC 4180, as CsvChunker): a record ends at a line feed outside quotes, and "outside quotes" is
//   an even number of quote bytes since the data's start (doubled quotes come in pairs). UTF-8 never
//   has 0x0A or 0x22 inside a multi-byte character.
// Invariant: the ranges, in index order, are exactly the file's bytes after the header row, each
//   starts at a record start, and FirstLine is the record number of its first record (header = 1),
//   the numbering of a one-thread read. Which thread parses which range changes nothing downstream.
// Cost: two reads of the file (the second is the parse), the first split over the threads; per
//   block a vectorised count of quote and newline bytes, and a walk over the quote and newline
//   bytes only in blocks that hold a quote.
using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Keel.Data;

/// <summary>One range of whole records of a CSV file.</summary>
internal readonly record struct CsvRange(int Index, long Offset, int Length, long FirstLine);

/// <summary>The record-aligned ranges of an uncompressed CSV file, found in parallel.</summary>
internal static class CsvBlocks
{
    /// <summary>Splits the data of <paramref name="file"/> (from <paramref name="dataStart"/>, just after the header) into ranges of about <paramref name="blockBytes"/>.</summary>
    public static List<CsvRange> Split(SafeFileHandle file, long dataStart, int blockBytes, int threads)
    {
        long end = RandomAccess.GetLength(file);
        int blocks = (int)Math.Max(1, (end - dataStart + blockBytes - 1) / blockBytes);
        var scans = new BlockScan[blocks];
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            long from = dataStart + ((long)i * blockBytes);
            int length = (int)Math.Min(blockBytes, end - from);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
            try
            {
                ReadExactly(file, buffer.AsSpan(0, length), from);
                scans[i] = Scan(buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });

        // Prefix pass: the quote parity at each block's start, the records before it, and the
        // first record start at or after it (the first line feed outside quotes, in this block or later).
        var parity = new int[blocks + 1];
        var recordsBefore = new long[blocks + 1];
        for (int i = 0; i < blocks; i++)
        {
            parity[i + 1] = parity[i] ^ (int)(scans[i].Quotes & 1);
            recordsBefore[i + 1] = recordsBefore[i] + scans[i].Newlines(parity[i]);
        }

        var starts = new List<(long Offset, long Line)> { (dataStart, 2) };
        for (int i = 1, k = 1; i < blocks; i++)
        {
            k = Math.Max(k, i);
            while (k < blocks && scans[k].FirstEnd(parity[k]) < 0)
            {
                k++;
            }

            if (k == blocks)
            {
                break;
            }

            long offset = dataStart + ((long)k * blockBytes) + scans[k].FirstEnd(parity[k]);
            if (offset > starts[^1].Offset)
            {
                starts.Add((offset, 2 + recordsBefore[k] + 1));
            }
        }

        var ranges = new List<CsvRange>(starts.Count);
        for (int r = 0; r < starts.Count; r++)
        {
            long next = r + 1 < starts.Count ? starts[r + 1].Offset : end;
            if (next > starts[r].Offset)
            {
                ranges.Add(new CsvRange(ranges.Count, starts[r].Offset, checked((int)(next - starts[r].Offset)), starts[r].Line));
            }
        }

        return ranges;
    }

    /// <summary>The offset just past the header record (and a UTF-8 byte order mark); the file's length when there is no data row.</summary>
    public static long DataStart(SafeFileHandle file)
    {
        long length = RandomAccess.GetLength(file);
        byte[] buffer = new byte[(int)Math.Min(length, 1 << 16)];
        while (true)
        {
            ReadExactly(file, buffer, 0);
            int bom = buffer.Length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
            (long records, int boundary) = CsvChunker.FirstBoundary(buffer.AsSpan(bom));
            if (records > 0)
            {
                return bom + boundary;
            }

            if (buffer.Length == length)
            {
                return length;
            }

            buffer = new byte[(int)Math.Min(length, (long)buffer.Length * 2)];
        }
    }

    /// <summary>The header record's bytes with its line end, without a byte order mark (<paramref name="dataStart"/> from <see cref="DataStart"/>).</summary>
    public static byte[] HeaderLine(SafeFileHandle file, long dataStart)
    {
        byte[] bytes = new byte[(int)dataStart];
        ReadExactly(file, bytes, 0);
        return bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? bytes[3..] : bytes;
    }

    /// <summary>Reads exactly <paramref name="into"/>.Length bytes at <paramref name="offset"/>.</summary>
    public static void ReadExactly(SafeFileHandle file, Span<byte> into, long offset)
    {
        while (into.Length > 0)
        {
            int n = RandomAccess.Read(file, into, offset);
            if (n == 0)
            {
                throw new IOException("the file ended early (changed while being read?)");
            }

            into = into[n..];
            offset += n;
        }
    }

    // Both speculations at once: the counts and first record end if the block starts outside
    // quotes (index 0) or inside them (index 1).
    private static BlockScan Scan(ReadOnlySpan<byte> bytes)
    {
        int quotes = bytes.Count((byte)'"');
        if (quotes == 0)
        {
            // No quote: started outside quotes, every line feed ends a record; started inside, none does.
            int newlines = bytes.Count((byte)'\n');
            int first = bytes.IndexOf((byte)'\n');
            return new BlockScan(0, newlines, 0, first < 0 ? -1 : first + 1, -1);
        }

        long outside0 = 0, outside1 = 0;
        int first0 = -1, first1 = -1;
        int inQuotes = 0; // Relative to the block start: 0 = same state as at the start.
        int at = 0;
        while (true)
        {
            int next = bytes[at..].IndexOfAny((byte)'"', (byte)'\n');
            if (next < 0)
            {
                break;
            }

            at += next;
            if (bytes[at] == (byte)'"')
            {
                inQuotes ^= 1;
            }
            else if (inQuotes == 0)
            {
                // Outside quotes if the block starts outside.
                outside0++;
                first0 = first0 < 0 ? at + 1 : first0;
            }
            else
            {
                outside1++;
                first1 = first1 < 0 ? at + 1 : first1;
            }

            at++;
        }

        return new BlockScan(quotes, outside0, outside1, first0, first1);
    }

    private readonly record struct BlockScan(long Quotes, long Outside0, long Outside1, int First0, int First1)
    {
        public long Newlines(int parity) => parity == 0 ? Outside0 : Outside1;

        public int FirstEnd(int parity) => parity == 0 ? First0 : First1;
    }
}
