using Keel.Data;

namespace Keel.Compression;

/// <summary>
/// The row pass of one CSV file on several threads: one thread at a time takes the next chunk of
/// whole records from <see cref="CsvChunker"/> (under a lock), every worker parses its chunks into
/// its own <see cref="RowPass"/>, and the workers' passes are merged with <see cref="RowPass.Absorb"/>.
/// Invariant: which worker reads which chunk varies from run to run, but the merge is exact and the
/// canonical renumbering depends only on the multiset of rows, so the table has the same bits as
/// the one-thread pass. An input error is reported from the earliest chunk that has one, so the
/// message is the one-thread message too.
/// Cost: the serial part is the chunk scan (a vectorised byte search, GB/s); parsing, interning and
/// hashing run in parallel; the merge costs one hash look-up per worker cell.
/// </summary>
internal static class ParallelRowPass
{
    /// <summary>Bytes per chunk: large enough to amortise a reader's set-up, small enough to balance two to eight workers.</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>True for files read as CSV (the other sources are read by one thread).</summary>
    public static bool CanRead(string path) => CsvEndings.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] CsvEndings = [".csv", ".csv.gz", ".txt"];

    /// <summary>Reads <paramref name="path"/> into <paramref name="target"/> with <paramref name="threads"/> workers.</summary>
    public static void AddCsv(RowPass target, RowPassPlan plan, string path, int threads, Action<long, int, long, long>? onProgress, CancellationToken cancel)
    {
        using CsvChunker chunker = CsvChunker.Open(path, ChunkBytes);
        var passes = new RowPass[threads];
        var errors = new List<(int Chunk, Exception Error)>();
        var gate = new object();
        var workers = new Thread[threads];
        for (int w = 0; w < threads; w++)
        {
            passes[w] = new RowPass(plan);
        }

        for (int w = 0; w < threads; w++)
        {
            RowPass pass = passes[w];
            workers[w] = new Thread(() => Work(chunker, pass, gate, errors, onProgress, passes, cancel), 1 << 20) { IsBackground = true, Name = $"keel row pass {w}" };
            workers[w].Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

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
                catch (Exception e) when (e is IOException or InvalidDataException)
                {
                    errors.Add((int.MaxValue, new KeelInputException($"{chunker.Name}: cannot read the file ({e.Message})", e)));
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
                using CsvSource source = CsvSource.OpenChunk(chunker.Name, chunk.Bytes, chunk.Length, chunker.Header, chunk.FirstLine);
                pass.Add(source, null, cancel);
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
