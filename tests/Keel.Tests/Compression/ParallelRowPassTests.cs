using System.IO.Compression;
using System.Text;
using Keel.Compression;
using Keel.Data;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Compression;

/// <summary>
/// The parallel row pass against the one-thread pass (the oracle: one Sylvan read, in file order):
/// every range size from a few bytes up puts range boundaries inside quoted fields, inside quoted
/// newlines, between CR and LF, and in the last record without a line feed; the tables must agree
/// in every bit, and an error must name the line the one-thread read names.
/// </summary>
public class ParallelRowPassTests
{
    private static readonly RowPassPlan AbPlan = new("y", false, null, ["a", "b"]);

    // Quoted commas, quoted LF and CRLF, doubled quotes, CRLF record ends, no final line feed.
    private const string Tricky =
        "a,b,y\r\n" +
        "\"x,1\",1,2\r\n" +
        "\"multi\nline\",2,3.5\n" +
        "\"he said \"\"hi\"\"\",1,-1\r\n" +
        "plain,3,4\n" +
        "\"multi\nline\",2,0.25\r\n" +
        "\"\",1,7\n" +
        "\"q\r\nq\",3,1e3\n" +
        "plain,1,5";

    internal static CellTable OneThread(string path, RowPassPlan plan)
    {
        var pass = new RowPass(plan);
        using (ITabularSource source = CsvSource.Open(path))
        {
            pass.Add(source);
        }

        return pass.Finish();
    }

    internal static CellTable Parallel(string path, RowPassPlan plan, int threads, int chunkBytes)
    {
        var pass = new RowPass(plan);
        ParallelRowPass.AddCsv(pass, plan, path, threads, null, default, chunkBytes);
        return pass.Finish();
    }

    [Fact]
    public void Every_range_size_gives_the_one_thread_cells_on_quoted_newlines_and_CRLF()
    {
        using var file = new TempCsv(Tricky);
        CellTable expected = OneThread(file.Path, AbPlan);
        Assert.Equal(7, expected.Counts.RowsUsed);
        Assert.Equal(1, expected.Counts.DroppedMissing); // The empty key "".
        for (int chunk = 1; chunk <= Tricky.Length + 1; chunk++)
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                CellTables.AssertSame(expected, Parallel(file.Path, AbPlan, threads, chunk), $"chunk {chunk}, threads {threads}", firstLines: true, counts: true);
            }
        }
    }

    [Fact]
    public void Ranges_are_the_data_bytes_in_order_each_starting_a_record_with_its_line()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF];
        byte[] bytes = [.. bom, .. Encoding.UTF8.GetBytes(Tricky)];
        using var file = new TempCsv(string.Empty);
        File.WriteAllBytes(file.Path, bytes);

        // Oracle: a byte-by-byte walk of RFC 4180 quoting, independent of the block scan.
        var recordStarts = new List<long>();
        bool inQuotes = false;
        for (int at = 0; at < bytes.Length; at++)
        {
            if (bytes[at] == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (bytes[at] == (byte)'\n' && !inQuotes && at + 1 < bytes.Length)
            {
                recordStarts.Add(at + 1);
            }
        }

        using var handle = File.OpenHandle(file.Path);
        long dataStart = CsvBlocks.DataStart(handle);
        Assert.Equal(recordStarts[0], dataStart);
        for (int block = 1; block <= bytes.Length; block++)
        {
            List<CsvRange> ranges = CsvBlocks.Split(handle, dataStart, block, 2);
            long next = dataStart;
            foreach (CsvRange range in ranges)
            {
                Assert.Equal(next, range.Offset);
                int record = recordStarts.IndexOf(range.Offset);
                Assert.True(record >= 0, $"block {block}: range at {range.Offset} does not start a record");
                Assert.Equal(record + 2, range.FirstLine); // Header = line 1.
                next = range.Offset + range.Length;
            }

            Assert.Equal(bytes.Length, next);
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(64)]
    public void An_error_names_the_line_a_one_thread_read_names(int chunk)
    {
        var rows = Enumerable.Range(0, 200).Select(i => $"L{i % 7},{i % 3},{i}.5").ToList();
        rows[150] = "L1,2,abc";
        rows[170] = "L1,2,def";
        using var file = new TempCsv("a,b,y\n" + string.Join('\n', rows) + "\n");
        var one = Assert.Throws<KeelInputException>(() => OneThread(file.Path, AbPlan));
        var two = Assert.Throws<KeelInputException>(() => Parallel(file.Path, AbPlan, 2, chunk));
        Assert.Contains("line 152", one.Message, StringComparison.Ordinal);
        Assert.Equal(one.Message, two.Message);
    }

    [Fact]
    public void Gzip_input_in_small_chunks_gives_the_one_thread_cells()
    {
        using var plain = new TempCsv(Tricky);
        using var gz = new TempCsv(string.Empty, ".csv.gz");
        using (var output = new GZipStream(File.Create(gz.Path), CompressionLevel.Fastest))
        {
            output.Write(Encoding.UTF8.GetBytes(Tricky));
        }

        CellTable expected = OneThread(plain.Path, AbPlan);
        foreach (int chunk in new[] { 1, 5, 16, 1 << 20 })
        {
            CellTables.AssertSame(expected, Parallel(gz.Path, AbPlan, 2, chunk), $"gz chunk {chunk}", firstLines: true, counts: true);
        }
    }

    [Fact]
    public void Keys_wider_than_64_bits_take_the_comparison_sort_with_the_same_result()
    {
        // 17 columns of 16 levels need 68 bits: no packed key. Shuffled rows and ranges must agree.
        var rng = new Random(11);
        string[] keys = Enumerable.Range(0, 17).Select(j => $"k{j}").ToArray();
        var plan = new RowPassPlan("y", false, null, keys);
        var rows = Enumerable.Range(0, 3000)
            .Select(_ => string.Join(',', keys.Select(_ => rng.Next(16).ToString(System.Globalization.CultureInfo.InvariantCulture))) + $",{rng.NextDouble() - 0.5:R}")
            .ToList();
        rows.AddRange(rows.Take(500)); // Repeated keys, so cells merge across ranges.
        using var file = new TempCsv(string.Join(',', keys) + ",y\n" + string.Join('\n', rows) + "\n");
        using var shuffled = new TempCsv(string.Join(',', keys) + ",y\n" + string.Join('\n', rows.OrderBy(_ => rng.Next())) + "\n");
        CellTable expected = OneThread(file.Path, plan);
        CellTables.AssertSame(expected, Parallel(shuffled.Path, plan, 2, 997), "shuffled, 997-byte ranges", counts: true);
        CellTables.AssertSame(expected, Parallel(file.Path, plan, 3, 501), "501-byte ranges", firstLines: true, counts: true);
        for (int c = 1; c < expected.CellCount; c++)
        {
            Assert.True(expected.KeyCodes.AsSpan((c - 1) * 17, 17).SequenceCompareTo(expected.KeyCodes.AsSpan(c * 17, 17)) < 0, "cells ascend strictly by key");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(23)]
    [InlineData(62)]
    public void Radix_sort_orders_like_a_comparison_sort(int bits)
    {
        var rng = new Random(bits + 1);
        int n = 5000;
        ulong mask = (1UL << bits) - 1;
        // Keys in bits [1, 1 + bits), junk in bit 0 and above: the sort must look at the named bits only.
        var items = Enumerable.Range(0, n).Select(i => new PartitionedSortMerge.Entry { Key = (ulong)rng.NextInt64() * 3, Payload = i }).ToArray();
        // Oracle: a stable comparison sort of (key bits, original index).
        long[] expected = items.OrderBy(e => (e.Key >> 1) & mask).ThenBy(e => e.Payload).Select(e => e.Payload).ToArray();
        PartitionedSortMerge.SortByKey(items, new PartitionedSortMerge.Entry[n], 1, bits);
        Assert.Equal(expected, items.Select(e => e.Payload).ToArray());
    }

    [Fact]
    public void Absorbed_passes_of_two_files_equal_one_pass_over_both()
    {
        using var first = new TempCsv("a,b,y\nx,1,2\nz,2,0.1\nx,1,3\n");
        using var second = new TempCsv("a,b,y\nx,1.0,4\nw,2,0.2\nz,2,0.3\n");
        using var both = new TempCsv("a,b,y\nx,1,2\nz,2,0.1\nx,1,3\nx,1.0,4\nw,2,0.2\nz,2,0.3\n");
        var pass = new RowPass(AbPlan);
        var other = new RowPass(AbPlan);
        using (ITabularSource s = CsvSource.Open(first.Path))
        {
            pass.Add(s);
        }

        using (ITabularSource s = CsvSource.Open(second.Path))
        {
            other.Add(s);
        }

        pass.Absorb(other);
        CellTable merged = pass.Finish();
        CellTable expected = OneThread(both.Path, AbPlan);
        Assert.Equal(expected.KeyCodes, merged.KeyCodes);
        Assert.Equal(expected.RowCount, merged.RowCount);
        for (int c = 0; c < expected.CellCount; c++)
        {
            Assert.Equal(expected.SumWy[c].ToDouble(), merged.SumWy[c].ToDouble());
        }

        // The spellings 1 and 1.0 are one level; (x, 1) holds 2 + 3 + 4, an exact small sum.
        Assert.Equal(9.0, merged.SumWy[Array.IndexOf(merged.KeyColumns[0].Labels, "x")].ToDouble());
    }
}
