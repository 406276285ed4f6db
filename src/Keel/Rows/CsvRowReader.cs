// CsvRowReader: the row path's read. Plain CSV files are cut into ranges of whole records
// (CsvBlocks, in parallel); each range is parsed from its UTF-8 bytes into columns: numbers by
// Utf8Number (the bits of double.Parse), factor values as integers when written as canonical
// integers, else as text interned per range. FactorKeys then gives every factor canonical codes.
// Invariant: the columns are the rows in file order (ranges in index order), whichever thread
//   parsed which range; an error is the one of the earliest range that has one, as a one-thread
//   read would report it. Rows with a missing value in a used column are left out and counted, as
//   on the cell path (MissingValues' spellings).
// Cost: one parse of the used fields (unused fields are skipped by a byte search); memory is the
//   columns plus one range's worth of growth per worker.
using System.Buffers;
using Keel.Data;
using Keel.LinearAlgebra;
using Microsoft.Win32.SafeHandles;

namespace Keel.Rows;

/// <summary>What the row path reads: the target, covariates and factor columns by name.</summary>
internal sealed record RowReadPlan(string TargetColumn, bool LogTarget, IReadOnlyList<string> CovariateColumns, IReadOnlyList<string> FactorColumns, bool DropInvalid);

internal static class CsvRowReader
{
    private const int RangeBytes = 1 << 20;

    private static readonly SearchValues<byte> FieldEnd = SearchValues.Create(","u8 + "\n"u8);

    /// <summary>Reads <paramref name="files"/> (plain CSV, same header) as one dataset.</summary>
    public static RowColumns Read(IReadOnlyList<string> files, RowReadPlan plan, int threads, CancellationToken cancel)
    {
        var chunks = new List<Chunk>();
        var handles = new List<SafeFileHandle>();
        try
        {
            var jobs = new List<(int File, CsvRange Range, int[] Roles)>();
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
                List<CsvRange> ranges;
                try
                {
                    ranges = CsvBlocks.Split(handle, CsvBlocks.DataStart(handle), RangeBytes, threads);
                }
                catch (IOException e)
                {
                    throw new KeelInputException($"{files[f]}: cannot read the file ({e.Message})", e);
                }

                jobs.AddRange(ranges.Select(r => (f, r, roles)));
            }

            var results = new Chunk[jobs.Count];
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
                                (int file, CsvRange range, int[] roles) = jobs[j];
                                if (buffer.Length < range.Length)
                                {
                                    ArrayPool<byte>.Shared.Return(buffer);
                                    buffer = ArrayPool<byte>.Shared.Rent(range.Length);
                                }

                                try
                                {
                                    CsvBlocks.ReadExactly(handles[file], buffer.AsSpan(0, range.Length), range.Offset);
                                    results[j] = Parse(files[file], buffer.AsSpan(0, range.Length), range.FirstLine, roles, plan);
                                }
                                catch (KeelInputException e)
                                {
                                    results[j] = new Chunk(plan) { Error = e };
                                }
                                catch (IOException e)
                                {
                                    results[j] = new Chunk(plan) { Error = new KeelInputException($"{files[file]}: cannot read the file ({e.Message})", e) };
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

            chunks.AddRange(results);
        }
        finally
        {
            foreach (SafeFileHandle h in handles)
            {
                h.Dispose();
            }
        }

        if (chunks.FirstOrDefault(c => c.Error is not null) is { } failed)
        {
            throw failed.Error!;
        }

        return Assemble(chunks, plan, threads);
    }

    // Role of each header field: -1 unused, 0 target, 1 + j covariate j, 1 + k + q factor q.
    private static int[] Roles(string file, string[] header, RowReadPlan plan)
    {
        var roles = Enumerable.Repeat(-1, header.Length).ToArray();
        int Find(string name)
        {
            int at = Array.IndexOf(header, name);
            return at >= 0 ? at : throw new KeelInputException($"{file}: no column '{MessageText.Quote(name)}' (columns: {string.Join(", ", header.Take(20))})");
        }

        var wanted = new List<string> { plan.TargetColumn };
        wanted.AddRange(plan.CovariateColumns);
        wanted.AddRange(plan.FactorColumns);
        for (int r = 0; r < wanted.Count; r++)
        {
            int at = Find(wanted[r]);
            if (roles[at] >= 0)
            {
                throw new KeelInputException($"{file}: column '{MessageText.Quote(wanted[r])}' has two roles in the formula (target, covariate, factor or cluster)");
            }

            roles[at] = r;
        }

        return roles;
    }

    private static Chunk Parse(string file, ReadOnlySpan<byte> data, long firstLine, int[] roles, RowReadPlan plan)
    {
        int k = plan.CovariateColumns.Count;
        int q = plan.FactorColumns.Count;
        var chunk = new Chunk(plan);
        chunk.Reserve(Math.Max(16, data.Length / 24));
        Span<double> numbers = stackalloc double[1 + k];
        Span<long> keys = stackalloc long[Math.Max(1, q)];
        int needed = 1 + k + q;
        long line = firstLine - 1;
        int at = 0;
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
                ReadOnlySpan<byte> rest = record[pos..];
                int end = rest.IndexOfAny(FieldEnd);
                if (rest.Length > 0 && rest[0] == (byte)'"')
                {
                    // A quoted field (RFC 4180): unquote into a copy; rare in numeric data.
                    (byte[] text, int consumed) = Unquote(rest);
                    if (field < roles.Length && roles[field] >= 0 && !missing && !invalid)
                    {
                        Take(file, line, plan, chunk, roles[field], text, numbers, keys, ref missing, ref invalid);
                        found++;
                    }

                    pos += consumed;
                    if (pos >= record.Length)
                    {
                        break;
                    }

                    pos++;
                    field++;
                    continue;
                }

                ReadOnlySpan<byte> value = end < 0 ? rest : rest[..end];
                if (field < roles.Length && roles[field] >= 0 && !missing && !invalid)
                {
                    Take(file, line, plan, chunk, roles[field], value, numbers, keys, ref missing, ref invalid);
                    found++;
                }

                field++;
                if (end < 0)
                {
                    break;
                }

                pos += end + 1;
            }

            if (field != roles.Length)
            {
                chunk.Error ??= new KeelInputException($"{file}, line {line}: {field} fields where the header has {roles.Length}");
                return chunk;
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
                chunk.Add(numbers, keys);
            }
        }

        return chunk;
    }

    private static void Take(string file, long line, RowReadPlan plan, Chunk chunk, int role, ReadOnlySpan<byte> value, Span<double> numbers, Span<long> keys, ref bool missing, ref bool invalid)
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
                throw new KeelInputException($"{file}, line {line}, column '{MessageText.Quote(column)}': '{Clip(value)}' is not a finite number ({(role == 0 ? "the target must be numeric; use --na drop to skip such rows" : "a covariate must be numeric; write C(" + column + ") to treat it as categorical")})");
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

                    throw new KeelInputException($"{file}, line {line}, column '{MessageText.Quote(plan.TargetColumn)}': log({Clip(value)}) is undefined; log() needs positive values (use --na drop to skip such rows)");
                }

                x = ElementaryFunctions.Log(x);
            }

            numbers[role] = x;
            return;
        }

        int f = role - 1 - k;
        keys[f] = FactorKeys.IsCanonicalInteger(value, out long integer) ? integer : chunk.Intern(f, value);
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

    private static RowColumns Assemble(List<Chunk> chunks, RowReadPlan plan, int threads)
    {
        int k = plan.CovariateColumns.Count;
        long total = chunks.Sum(c => (long)c.Rows);
        if (total > Array.MaxLength)
        {
            throw new KeelInputException($"{total} rows exceed the row path's limit of {Array.MaxLength} rows in one fit");
        }

        int n = (int)total;
        var offsets = new int[chunks.Count + 1];
        for (int c = 0; c < chunks.Count; c++)
        {
            offsets[c + 1] = offsets[c] + chunks[c].Rows;
        }

        var target = GC.AllocateUninitializedArray<double>(n);
        var covariates = Enumerable.Range(0, k).Select(_ => GC.AllocateUninitializedArray<double>(n)).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        Parallel.For(0, chunks.Count, options, c =>
        {
            Chunk chunk = chunks[c];
            chunk.Target.AsSpan(0, chunk.Rows).CopyTo(target.AsSpan(offsets[c]));
            for (int j = 0; j < k; j++)
            {
                chunk.Covariates[j].AsSpan(0, chunk.Rows).CopyTo(covariates[j].AsSpan(offsets[c]));
            }

            chunk.Target = [];
            chunk.Covariates = [];
        });

        var factors = new FactorColumn[plan.FactorColumns.Count];
        for (int f = 0; f < factors.Length; f++)
        {
            factors[f] = FactorKeys.Code(plan.FactorColumns[f], chunks.Select(c => (c.Keys[f], c.Rows, c.Texts[f])).ToList(), offsets, n, threads);
            foreach (Chunk c in chunks)
            {
                c.Keys[f] = [];
            }
        }

        var counts = new RowCounts(chunks.Sum(c => c.RowsRead), chunks.Sum(c => c.DroppedMissing), chunks.Sum(c => c.DroppedInvalid));
        return new RowColumns(target, covariates, factors, counts);
    }

    /// <summary>One range's rows, as growable columns.</summary>
    private sealed class Chunk
    {
        public Chunk(RowReadPlan plan)
        {
            Covariates = new double[plan.CovariateColumns.Count][];
            Keys = new long[plan.FactorColumns.Count][];
            Texts = new List<string>?[plan.FactorColumns.Count];
            _textIds = new Dictionary<string, int>?[plan.FactorColumns.Count];
        }

        private readonly Dictionary<string, int>?[] _textIds;

        public int Rows { get; private set; }

        public long RowsRead { get; set; }

        public long DroppedMissing { get; set; }

        public long DroppedInvalid { get; set; }

        public KeelInputException? Error { get; set; }

        public double[] Target { get; set; } = [];

        public double[][] Covariates { get; set; }

        public long[][] Keys { get; }

        /// <summary>Per factor, the texts of this range's non-integer values by local id (null if none).</summary>
        public List<string>?[] Texts { get; }

        public void Reserve(int rows)
        {
            Target = new double[rows];
            for (int j = 0; j < Covariates.Length; j++)
            {
                Covariates[j] = new double[rows];
            }

            for (int f = 0; f < Keys.Length; f++)
            {
                Keys[f] = new long[rows];
            }
        }

        public void Add(ReadOnlySpan<double> numbers, ReadOnlySpan<long> keys)
        {
            if (Rows == Target.Length)
            {
                Reserve2(Rows * 2);
            }

            Target[Rows] = numbers[0];
            for (int j = 0; j < Covariates.Length; j++)
            {
                Covariates[j][Rows] = numbers[1 + j];
            }

            for (int f = 0; f < Keys.Length; f++)
            {
                Keys[f][Rows] = keys[f];
            }

            Rows++;
        }

        public long Intern(int factor, ReadOnlySpan<byte> value)
        {
            string text = System.Text.Encoding.UTF8.GetString(value);
            Dictionary<string, int> ids = _textIds[factor] ??= new Dictionary<string, int>(StringComparer.Ordinal);
            List<string> texts = Texts[factor] ??= [];
            if (!ids.TryGetValue(text, out int id))
            {
                id = texts.Count;
                ids[text] = id;
                texts.Add(text);
            }

            return FactorKeys.TextKey(id);
        }

        private void Reserve2(int rows)
        {
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
}
