// CsvRowReader: the row path's read. Plain CSV files are cut into ranges of whole records
// (CsvBlocks, in parallel), each range parsed from its UTF-8 bytes straight into the final columns
// at the position of its first record: numbers by Utf8Number (the bits of double.Parse), factor
// values as integers where written as canonical integers that fit 32 bits, else kept aside as text;
// FactorKeys then turns each factor's keys into canonical codes in place.
// Invariant: the columns are the rows in file order (ranges in index order), whichever thread
//   parsed which range; an error is the one of the earliest range that has one, as a one-thread
//   read would report it. Rows with a missing value in a used column are left out and counted, as
//   on the cell path (MissingValues' spellings); blank lines are skipped.
// Cost: one parse of the used fields (unused fields are skipped by a byte scan); memory is the
//   columns themselves, 8 bytes per number and 4 per factor value and row, touched once: fresh
//   memory costs a page fault and the kernel's zeroing per page, as much as parsing it.
using System.Buffers;
using System.Runtime.CompilerServices;
using Keel.Data;
using Keel.LinearAlgebra;
using Microsoft.Win32.SafeHandles;

namespace Keel.Rows;

/// <summary>What the row path reads: the target, covariates and factor columns by name.</summary>
internal sealed record RowReadPlan(string TargetColumn, bool LogTarget, IReadOnlyList<string> CovariateColumns, IReadOnlyList<string> FactorColumns, bool DropInvalid);

internal static class CsvRowReader
{
    private const int RangeBytes = 1 << 20;


    /// <summary>Reads <paramref name="files"/> (plain CSV, same header) as one dataset.</summary>
    public static RowColumns Read(IReadOnlyList<string> files, RowReadPlan plan, int threads, CancellationToken cancel)
    {
        var clock = new SubStageClock("read");
        var handles = new List<SafeFileHandle>();
        try
        {
            var jobs = new List<Job>();
            long records = 0;
            for (int f = 0; f < files.Count; f++)
            {
                string[] header;
                using (CsvSource source = CsvSource.Open(files[f]))
                {
                    header = [.. source.ColumnNames];
                }

                int[] roles = Roles(files[f], header, plan);
                SafeFileHandle handle = File.OpenHandle(files[f], FileMode.Open, FileAccess.Read, FileShare.Read);
                handles.Add(handle);
                try
                {
                    List<CsvRange> ranges = CsvBlocks.Split(handle, CsvBlocks.DataStart(handle), RangeBytes, threads);
                    for (int r = 0; r < ranges.Count; r++)
                    {
                        // Records of a range: up to the next range's first record; the last range's are counted.
                        long count = r + 1 < ranges.Count ? ranges[r + 1].FirstLine - ranges[r].FirstLine : CountRecords(handle, ranges[r]);
                        jobs.Add(new Job(f, ranges[r], roles, records, (int)count));
                        records += count;
                    }
                }
                catch (IOException e)
                {
                    throw KeelInputException.InFile(files[f], $"cannot read the file ({e.Message})", e);
                }
            }

            if (records > Array.MaxLength)
            {
                throw new KeelInputException($"{records} rows exceed the row path's limit of {Array.MaxLength} rows in one fit");
            }

            clock.Lap("split");
            var columns = new Columns((int)records, plan);
            var chunks = new Chunk[jobs.Count];
            int next = -1;
            var workers = new Task[Math.Max(1, Math.Min(threads, jobs.Count))];
            for (int t = 0; t < workers.Length; t++)
            {
                workers[t] = Task.Factory.StartNew(
                    () =>
                    {
                        byte[] buffer = [];
                        try
                        {
                            int j;
                            while ((j = Interlocked.Increment(ref next)) < jobs.Count)
                            {
                                cancel.ThrowIfCancellationRequested();
                                Job job = jobs[j];
                                if (buffer.Length < job.Range.Length)
                                {
                                    ArrayPool<byte>.Shared.Return(buffer);
                                    buffer = ArrayPool<byte>.Shared.Rent(job.Range.Length);
                                }

                                var chunk = new Chunk(plan.FactorColumns.Count, job.FirstRow, job.Records);
                                chunks[j] = chunk;
                                try
                                {
                                    CsvBlocks.ReadExactly(handles[job.File], buffer.AsSpan(0, job.Range.Length), job.Range.Offset);
                                    Parse(files[job.File], buffer.AsSpan(0, job.Range.Length), job.Range.FirstLine, job.Roles, plan, columns, chunk);
                                }
                                catch (KeelInputException e)
                                {
                                    chunk.Error = e;
                                }
                                catch (IOException e)
                                {
                                    chunk.Error = KeelInputException.InFile(files[job.File], $"cannot read the file ({e.Message})", e);
                                }
                            }
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                        }
                    },
                    cancel,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
            }

            try
            {
                Task.WaitAll(workers, cancel);
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
            {
                throw new OperationCanceledException(cancel);
            }

            if (chunks.FirstOrDefault(c => c.Error is not null) is { } failed)
            {
                throw failed.Error!;
            }

            clock.Lap("parse");
            return Assemble(chunks, plan, columns, threads, clock);
        }
        finally
        {
            foreach (SafeFileHandle h in handles)
            {
                h.Dispose();
            }
        }
    }

    // Records of the last range: its line feeds, plus a last record without one.
    private static long CountRecords(SafeFileHandle handle, CsvRange range)
    {
        var bytes = new byte[range.Length];
        CsvBlocks.ReadExactly(handle, bytes, range.Offset);
        long count = bytes.AsSpan().Count((byte)'\n');
        return count + (bytes.Length > 0 && bytes[^1] != (byte)'\n' ? 1 : 0);
    }

    // Role of each header field: -1 unused, 0 target, 1 + j covariate j, 1 + k + q factor q.
    private static int[] Roles(string file, string[] header, RowReadPlan plan)
    {
        var roles = Enumerable.Repeat(-1, header.Length).ToArray();
        var wanted = new List<string> { plan.TargetColumn };
        wanted.AddRange(plan.CovariateColumns);
        wanted.AddRange(plan.FactorColumns);
        for (int r = 0; r < wanted.Count; r++)
        {
            int at = Array.IndexOf(header, wanted[r]);
            if (at < 0)
            {
                throw KeelInputException.InFile(file, $"no column '{MessageText.Quote(wanted[r])}' (columns: {string.Join(", ", header.Take(20))})");
            }

            if (roles[at] >= 0)
            {
                throw KeelInputException.InFile(file, $"column '{MessageText.Quote(wanted[r])}' has two roles in the formula (target, covariate, factor or cluster)");
            }

            roles[at] = r;
        }

        return roles;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Parse(string file, ReadOnlySpan<byte> data, long firstLine, int[] roles, RowReadPlan plan, Columns columns, Chunk chunk)
    {
        int k = plan.CovariateColumns.Count;
        int q = plan.FactorColumns.Count;
        Span<double> numbers = stackalloc double[1 + k];
        Span<int> keys = stackalloc int[Math.Max(1, q)];
        string?[] texts = new string?[Math.Max(1, q)];
        int needed = 1 + k + q;
        long line = firstLine - 1;
        int at = 0;
        int row = chunk.FirstRow;
        while (at < data.Length)
        {
            line++;
            int lineEnd = data[at..].IndexOf((byte)'\n');
            int recordEnd = lineEnd < 0 ? data.Length : at + lineEnd;
            ReadOnlySpan<byte> record = data[at..recordEnd];
            at = recordEnd + 1;
            if (record.Length > 0 && record[^1] == (byte)'\r')
            {
                record = record[..^1];
            }

            if (record.IsEmpty)
            {
                continue;
            }

            chunk.RowsRead++;
            int found = 0;
            bool missing = false;
            bool invalid = false;
            int field = 0;
            int pos = 0;
            while (true)
            {
                ReadOnlySpan<byte> value;
                if (pos < record.Length && record[pos] == (byte)'"')
                {
                    // A quoted field (RFC 4180): unquoted into a copy; rare in numeric data.
                    (byte[] text, int consumed) = Unquote(record[pos..]);
                    value = text;
                    pos += consumed;
                }
                else
                {
                    // Scalar scan: fields are a few bytes, shorter than a vector search pays for.
                    int from = pos;
                    while (pos < record.Length && record[pos] != (byte)',')
                    {
                        pos++;
                    }

                    value = record[from..pos];
                }

                if (field < roles.Length && roles[field] >= 0 && !missing && !invalid)
                {
                    Take(file, line, plan, roles[field], value, numbers, keys, texts, ref missing, ref invalid);
                    found++;
                }

                field++;
                if (pos >= record.Length)
                {
                    break;
                }

                pos++;
            }

            if (field != roles.Length)
            {
                throw KeelInputException.At(file, line, null, $"{field} fields where the header has {roles.Length}");
            }

            if (missing)
            {
                chunk.DroppedMissing++;
                continue;
            }

            if (invalid)
            {
                chunk.DroppedInvalid++;
                continue;
            }

            if (found == needed)
            {
                if (row - chunk.FirstRow >= chunk.Records)
                {
                    throw KeelInputException.At(file, line, null, "a line break inside a quoted field; the row path reads one record per line (remove the line breaks, or fit with --solver qr or lsmr)");
                }

                columns.Target[row] = numbers[0];
                for (int j = 0; j < k; j++)
                {
                    columns.Covariates[j][row] = numbers[1 + j];
                }

                for (int f = 0; f < q; f++)
                {
                    columns.Keys[f][row] = keys[f];
                    if (texts[f] is { } text)
                    {
                        chunk.Special(f, row, text);
                        texts[f] = null;
                    }
                }

                row++;
            }
        }

        chunk.Kept = row - chunk.FirstRow;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Take(string file, long line, RowReadPlan plan, int role, ReadOnlySpan<byte> value, Span<double> numbers, Span<int> keys, string?[] texts, ref bool missing, ref bool invalid)
    {
        if (IsMissing(value))
        {
            missing = true;
            return;
        }

        int k = plan.CovariateColumns.Count;
        if (role <= k)
        {
            if (!Utf8Number.TryParse(value, out double x) || !double.IsFinite(x))
            {
                if (role == 0 && plan.DropInvalid)
                {
                    invalid = true;
                    return;
                }

                string column = role == 0 ? plan.TargetColumn : plan.CovariateColumns[role - 1];
                throw KeelInputException.At(file, line, column, $"'{Clip(value)}' is not a finite number ({(role == 0 ? "the target must be numeric; use --na drop to skip such rows" : "a covariate must be numeric; write C(" + column + ") to treat it as categorical")})");
            }

            if (role == 0 && plan.LogTarget)
            {
                if (!(x > 0))
                {
                    if (plan.DropInvalid)
                    {
                        invalid = true;
                        return;
                    }

                    throw KeelInputException.At(file, line, plan.TargetColumn, $"log({Clip(value)}) is undefined; log() needs positive values (use --na drop to skip such rows)");
                }

                x = ElementaryFunctions.Log(x);
            }

            numbers[role] = x;
            return;
        }

        int f = role - 1 - k;
        if (FactorKeys.IsCanonicalInteger(value, out long integer) && integer > int.MinValue && integer <= int.MaxValue)
        {
            keys[f] = (int)integer;
        }
        else
        {
            keys[f] = FactorKeys.Special;
            texts[f] = System.Text.Encoding.UTF8.GetString(value);
        }
    }

    private static bool IsMissing(ReadOnlySpan<byte> field)
    {
        if (field.Length > 0 && (uint)(field[0] - '!') < '~' - '!' + 1 && (field[0] | 0x20) != 'n')
        {
            return false;
        }

        ReadOnlySpan<byte> t = field.Trim((byte)' ').Trim((byte)'\t');
        return t.Length == 0 || t.SequenceEqual("NA"u8) || t.SequenceEqual("NaN"u8) || t.SequenceEqual("nan"u8)
            || t.SequenceEqual("NULL"u8) || t.SequenceEqual("null"u8);
    }

    private static (byte[] Text, int Consumed) Unquote(ReadOnlySpan<byte> rest)
    {
        var text = new List<byte>();
        int i = 1;
        while (i < rest.Length)
        {
            if (rest[i] == (byte)'"')
            {
                if (i + 1 < rest.Length && rest[i + 1] == (byte)'"')
                {
                    text.Add((byte)'"');
                    i += 2;
                    continue;
                }

                i++;
                break;
            }

            text.Add(rest[i++]);
        }

        // Anything between the closing quote and the delimiter is kept, as lenient readers do.
        while (i < rest.Length && rest[i] != (byte)',')
        {
            text.Add(rest[i++]);
        }

        return (text.ToArray(), i);
    }

    private static string Clip(ReadOnlySpan<byte> value)
    {
        string s = System.Text.Encoding.UTF8.GetString(value[..Math.Min(value.Length, 40)]);
        return MessageText.Quote(s);
    }

    // Ranges that left rows out (missing values, blank lines) leave gaps: close them in range order.
    private static RowColumns Assemble(Chunk[] chunks, RowReadPlan plan, Columns columns, int threads, SubStageClock clock)
    {
        int n = 0;
        var specials = new List<(int Row, string Text)>[plan.FactorColumns.Count];
        for (int f = 0; f < specials.Length; f++)
        {
            specials[f] = [];
        }

        foreach (Chunk chunk in chunks)
        {
            if (chunk.FirstRow != n)
            {
                columns.Move(chunk.FirstRow, n, chunk.Kept);
            }

            for (int f = 0; f < specials.Length; f++)
            {
                foreach ((int row, string text) in chunk.Specials(f))
                {
                    specials[f].Add((row - chunk.FirstRow + n, text));
                }
            }

            n += chunk.Kept;
        }

        columns.Trim(n);
        clock.Lap("gaps");
        var factors = new FactorColumn[plan.FactorColumns.Count];
        for (int f = 0; f < factors.Length; f++)
        {
            factors[f] = FactorKeys.Code(plan.FactorColumns[f], columns.Keys[f], specials[f], threads);
        }

        clock.Lap("codes");
        var counts = new RowCounts(chunks.Sum(c => c.RowsRead), chunks.Sum(c => c.DroppedMissing), chunks.Sum(c => c.DroppedInvalid));
        return new RowColumns(columns.Target, columns.Covariates, factors, counts);
    }

    private sealed record Job(int File, CsvRange Range, int[] Roles, long FirstRow, int Records);

    /// <summary>The final columns, one slot per record of the files (blank and dropped records leave gaps until Assemble).</summary>
    private sealed class Columns
    {
        public Columns(int records, RowReadPlan plan)
        {
            Target = GC.AllocateUninitializedArray<double>(records);
            Covariates = plan.CovariateColumns.Select(_ => GC.AllocateUninitializedArray<double>(records)).ToArray();
            Keys = plan.FactorColumns.Select(_ => GC.AllocateUninitializedArray<int>(records)).ToArray();
        }

        public double[] Target { get; private set; }

        public double[][] Covariates { get; }

        public int[][] Keys { get; }

        public void Move(int from, int to, int count)
        {
            Array.Copy(Target, from, Target, to, count);
            foreach (double[] x in Covariates)
            {
                Array.Copy(x, from, x, to, count);
            }

            foreach (int[] k in Keys)
            {
                Array.Copy(k, from, k, to, count);
            }
        }

        public void Trim(int rows)
        {
            if (rows == Target.Length)
            {
                return;
            }

            double[] target = Target;
            Array.Resize(ref target, rows);
            Target = target;
            for (int j = 0; j < Covariates.Length; j++)
            {
                Array.Resize(ref Covariates[j], rows);
            }

            for (int f = 0; f < Keys.Length; f++)
            {
                Array.Resize(ref Keys[f], rows);
            }
        }
    }

    /// <summary>One range's bookkeeping: where its rows start, how many it kept, what it left out.</summary>
    private sealed class Chunk(int factors, long firstRow, int records)
    {
        private readonly List<(int Row, string Text)>?[] _specials = new List<(int, string)>?[factors];

        public int FirstRow { get; } = (int)firstRow;

        public int Records { get; } = records;

        public int Kept { get; set; }

        public long RowsRead { get; set; }

        public long DroppedMissing { get; set; }

        public long DroppedInvalid { get; set; }

        public KeelInputException? Error { get; set; }

        public void Special(int factor, int row, string text) => (_specials[factor] ??= []).Add((row, text));

        public List<(int Row, string Text)> Specials(int factor) => _specials[factor] ?? [];
    }
}
