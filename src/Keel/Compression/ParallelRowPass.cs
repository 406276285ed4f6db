using Keel.Data;

namespace Keel.Compression;

/// <summary>
/// The row pass of one CSV file on several threads. A plain file is cut into ranges of whole
/// records in parallel (<see cref="CsvBlocks"/>: no serial scan); workers take ranges by an atomic
/// counter, read them with positional reads and parse each from its bytes into their own
/// <see cref="RowPass"/> (<see cref="RowPass.AddUtf8"/>).
/// A .csv.gz is decompressed by one thread (<see cref="CsvChunker"/>, chunks taken under a lock).
/// The workers' passes are absorbed into the target, whose Finish merges all cells in one sort by
/// canonical key (<see cref="CellCanonicalizer"/>) with exact addition of equal keys.
/// Invariant: which worker reads which range varies from run to run, but the merge is exact and the
/// canonical renumbering depends only on the multiset of rows, so the table has the same bits as
/// the one-thread pass. An input error is reported from the earliest range that has one, so the
/// message is the one-thread message too.
/// Cost: parsing, interning and hashing in parallel; the merge is one radix sort over all workers' cells.
/// </summary>
internal static class ParallelRowPass
{
    /// <summary>Bytes per chunk: large enough to amortise a reader's set-up, small enough to balance two to eight workers.</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>True for files read as CSV (the other sources are read by one thread).</summary>
    public static bool CanRead(string path) => CsvEndings.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] CsvEndings = [".csv", ".csv.gz", ".txt"];

    /// <summary>Reads <paramref name="path"/> into <paramref name="target"/> with <paramref name="threads"/> workers.</summary>
    /// <param name="chunkBytes">Bytes per range (tests use tiny ones to put boundaries everywhere).</param>
    public static void AddCsv(RowPass target, RowPassPlan plan, string path, int threads, Action<long, int, long, long>? onProgress, CancellationToken cancel, int chunkBytes = ChunkBytes)
    {
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            AddCompressed(target, plan, path, threads, onProgress, chunkBytes, cancel);
            return;
        }

        string[] header;
        using (CsvSource source = CsvSource.Open(path))
        {
            // Same header checks and messages as a one-thread read.
            header = [.. source.ColumnNames];
        }

        using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        List<CsvRange> ranges;
        byte[] headerLine;
        try
        {
            long dataStart = CsvBlocks.DataStart(file);
            headerLine = CsvBlocks.HeaderLine(file, dataStart);
            ranges = CsvBlocks.Split(file, dataStart, chunkBytes, threads);
        }
        catch (IOException e)
        {
            throw KeelInputException.InFile(path, $"cannot read the file ({e.Message})", e);
        }

        long total = RandomAccess.GetLength(file);
        var passes = new RowPass[threads];
        var errors = new List<(int Chunk, Exception Error)>();
        int next = -1;
        long bytesDone = 0;
        RunWorkers(passes, plan, pass =>
        {
            byte[] buffer = [];
            try
            {
                int r;
                while ((r = Interlocked.Increment(ref next)) < ranges.Count)
                {
                    CsvRange range = ranges[r];
                    try
                    {
                        cancel.ThrowIfCancellationRequested();
                        if (buffer.Length < range.Length)
                        {
                            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                            buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(range.Length);
                        }

                        CsvBlocks.ReadExactly(file, buffer.AsSpan(0, range.Length), range.Offset);
                        pass.AddUtf8(path, buffer, range.Length, header, headerLine, range.FirstLine, cancel);
                        long done = Interlocked.Add(ref bytesDone, range.Length);
                        if (onProgress is not null)
                        {
                            // One report at a time (progress sinks need not be thread-safe); the counts are approximate.
                            lock (passes)
                            {
                                onProgress(passes.Sum(p => p.RowsRead), passes.Max(p => p.CellCount), done, total);
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        // Keep going: a later range's error must not hide an earlier range's one.
                        lock (errors)
                        {
                            errors.Add((range.Index, e is IOException ? KeelInputException.InFile(path, $"cannot read the file ({e.Message})", e) : e));
                        }

                        if (e is OperationCanceledException)
                        {
                            return;
                        }
                    }
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        Complete(target, passes, errors);
    }

    private static void AddCompressed(RowPass target, RowPassPlan plan, string path, int threads, Action<long, int, long, long>? onProgress, int chunkBytes, CancellationToken cancel)
    {
        using CsvChunker chunker = CsvChunker.Open(path, chunkBytes);
        var passes = new RowPass[threads];
        var errors = new List<(int Chunk, Exception Error)>();
        var gate = new object();
        RunWorkers(passes, plan, pass => Work(chunker, pass, gate, errors, onProgress, passes, cancel));
        Complete(target, passes, errors);
    }

    private static void RunWorkers(RowPass[] passes, RowPassPlan plan, Action<RowPass> work)
    {
        for (int w = 0; w < passes.Length; w++)
        {
            passes[w] = new RowPass(plan, RowPass.DefaultBufferLimit / passes.Length);
        }

        var workers = new Thread[passes.Length];
        for (int w = 0; w < passes.Length; w++)
        {
            RowPass pass = passes[w];
            workers[w] = new Thread(() => work(pass), 1 << 20) { IsBackground = true, Name = $"keel row pass {w}" };
            workers[w].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }
    }

    private static void Complete(RowPass target, RowPass[] passes, List<(int Chunk, Exception Error)> errors)
    {
        if (errors.Count > 0)
        {
            Exception first = errors.MinBy(e => e.Chunk).Error;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        foreach (RowPass pass in passes)
        {
            target.Absorb(pass);
        }
    }

    private static void Work(CsvChunker chunker, RowPass pass, object gate, List<(int, Exception)> errors, Action<long, int, long, long>? onProgress, RowPass[] passes, CancellationToken cancel)
    {
        while (true)
        {
            CsvChunk? chunk;
            lock (gate)
            {
                try
                {
                    chunk = chunker.Next();
                }
                catch (Exception e) when (e is IOException or KeelInputException)
                {
                    // Corrupt or truncated gzip data arrive as KeelInputException (Data/GzipInput.cs).
                    errors.Add((int.MaxValue, e as KeelInputException ?? KeelInputException.InFile(chunker.Name, $"cannot read the file ({e.Message})", e)));
                    return;
                }

                if (chunk is not null && onProgress is not null)
                {
                    (long done, long total) = chunker.Position;
                    onProgress(passes.Sum(p => p.RowsRead), passes.Max(p => p.CellCount), done, total);
                }
            }

            if (chunk is null)
            {
                return;
            }

            try
            {
                cancel.ThrowIfCancellationRequested();
                pass.AddUtf8(chunker.Name, chunk.Bytes, chunk.Length, chunker.Header, chunker.HeaderLine, chunk.FirstLine, cancel);
            }
            catch (Exception e)
            {
                // Keep going: a later chunk's error must not hide an earlier chunk's one.
                lock (gate)
                {
                    errors.Add((chunk.Index, e));
                }

                if (e is OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                CsvChunker.Return(chunk);
            }
        }
    }
}
