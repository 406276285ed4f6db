// AtomicFile: an output file that appears complete or not at all.
//
// Objective: every file Keel writes (--out, --cells-out, --report, compress --out, predict --out)
//   either keeps its previous content or holds the whole new content; never a half-written file,
//   whatever stops the run (bad input found late, a full disk, Ctrl-C, SIGTERM, a crash).
// Method: write to a hidden temporary file beside the destination (".NAME.keel-RANDOM.tmp", same
//   directory, so the same file system), flush it to disk (fsync), then rename it over the
//   destination: POSIX rename(2) replaces atomically, so a reader sees the old or the new file.
//   A failure or cancellation deletes the temporary file; a process that is stopped hard (after the
//   grace period of the CLI's interruption handling) calls AbandonAll first. Only SIGKILL or a power
//   cut can leave a temporary file, never a damaged destination.
// Special destinations: when the destination exists and is not a regular file (/dev/null,
//   /dev/full, /dev/stdout, a FIFO), renaming over it is not what the user means: the bytes go to it
//   directly, and a write error is still reported as bad input naming the path. /dev/stdout
//   redirected to a regular file is appended to (after `>` it is empty; `>>` appends).
// Invariant: a destination that is a symbolic link stays one; the file it points to is replaced.
// Cost: one extra fsync and one rename per output file.
using System.Runtime.InteropServices;

namespace Keel;

/// <summary>
/// An output file written through a temporary file and renamed into place when complete
/// (<see cref="Commit"/>); disposing without committing removes the temporary file.
/// I/O failures become <see cref="KeelInputException"/> naming the option and the path.
/// </summary>
internal sealed partial class AtomicFile : IDisposable
{
    // Temporary files of this process not yet committed or removed; AbandonAll deletes them when
    // the process must stop at once. Process-wide by nature: it is about the process's files.
    private static readonly HashSet<string> Pending = [];
    private static readonly Lock Gate = new();
    private static bool _abandoned;

    private readonly string _label;
    private readonly string _path;
    private readonly string _destination;
    private readonly string? _temporary;
    private readonly FileStream _file;
    private readonly CancellationToken _cancel;
    private bool _done;

    private AtomicFile(string label, string path, string destination, string? temporary, FileStream file, CancellationToken cancel)
    {
        _label = label;
        _path = path;
        _destination = destination;
        _temporary = temporary;
        _file = file;
        _cancel = cancel;
        Stream = new CancellableStream(this);
    }

    /// <summary>Where the bytes go until <see cref="Commit"/>; every write observes the cancellation token.</summary>
    public Stream Stream { get; }

    /// <summary>Opens the temporary file beside <paramref name="path"/> (or the special file itself).</summary>
    /// <param name="label">How the user named the destination, for messages: "--out", "--report".</param>
    public static AtomicFile Open(string path, string label, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        CheckName(path, label);
        try
        {
            if (IsSpecialFile(path))
            {
                // A device or FIFO: no rename, no truncation; write straight into it.
                return new AtomicFile(label, path, path, null, new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1), cancel);
            }

            if (IsProcessDescriptor(path) && File.Exists(path))
            {
                // /dev/stdout (or /proc/self/fd/N) redirected to a regular file by the shell: write into
                // that file, appended as `>>` asks (after `>` it is empty), never renamed over it.
                return new AtomicFile(label, path, path, null, new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1), cancel);
            }

            string destination = Target(path);
            if (File.Exists(destination))
            {
                // The user asked to write this file: refuse as writing in place would (read-only file),
                // instead of silently replacing it through the directory's permission.
                new FileStream(destination, FileMode.Open, FileAccess.Write).Dispose();
            }

            string directory = Path.GetDirectoryName(Path.GetFullPath(destination))!;
            if (!Directory.Exists(directory))
            {
                throw new KeelInputException($"{label} {path}: cannot write (no such directory {directory})");
            }

            // Hidden, unique, and within the usual 255-byte name limit however long the name is.
            string name = Path.GetFileName(destination);
            string temporary = Path.Combine(directory, $".{(name.Length > 160 ? name[..160] : name)}.keel-{Guid.NewGuid():N}.tmp");
            lock (Gate)
            {
                cancel.ThrowIfCancellationRequested();
                if (_abandoned)
                {
                    throw new OperationCanceledException("the process is stopping");
                }

                FileStream file;
                try
                {
                    file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                }
                catch (UnauthorizedAccessException e)
                {
                    // The destination itself may be writable: say why the folder matters.
                    throw new KeelInputException($"{label} {path}: cannot write (permission denied to create a file in {directory}, where the output is written first and then renamed into place)", e);
                }

                Pending.Add(temporary);
                return new AtomicFile(label, path, destination, temporary, file, cancel);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(label, path, e);
        }
    }

    /// <summary>Writes a whole file through <paramref name="write"/> and commits it.</summary>
    public static void Write(string path, string label, Action<Stream> write, CancellationToken cancel = default)
    {
        var clock = new SubStageClock("write");
        using AtomicFile file = Open(path, label, cancel);
        try
        {
            write(file.Stream);
            clock.Lap("content");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(label, path, e);
        }

        file.Commit();
        clock.Lap("sync and rename");
    }

    /// <summary>Flushes the bytes to disk and renames the temporary file over the destination.</summary>
    public void Commit()
    {
        try
        {
            _cancel.ThrowIfCancellationRequested();
            if (_temporary is null)
            {
                _file.Flush();
                _file.Dispose();
                _done = true;
                return;
            }

            _file.Flush(flushToDisk: true);
            _file.Dispose();
            if (!OperatingSystem.IsWindows() && File.Exists(_destination))
            {
                // The new file keeps the permissions of the one it replaces.
                File.SetUnixFileMode(_temporary, File.GetUnixFileMode(_destination));
            }

            lock (Gate)
            {
                // Checked under the lock: once AbandonAll has run, nothing is renamed into place.
                _cancel.ThrowIfCancellationRequested();
                if (_abandoned)
                {
                    throw new OperationCanceledException("the process is stopping");
                }

                File.Move(_temporary, _destination, overwrite: true);
                Pending.Remove(_temporary);
                _done = true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(_label, _path, e);
        }
    }

    /// <summary>Closes the file; an uncommitted temporary file is removed.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // The write error was reported (or is being); the temporary file goes below.
        }

        if (_temporary is not null)
        {
            lock (Gate)
            {
                File.Delete(_temporary);
                Pending.Remove(_temporary);
            }
        }
    }

    /// <summary>
    /// Deletes every temporary file of the process and stops any later commit: for a process about
    /// to exit without unwinding (interrupted and past its grace period).
    /// </summary>
    public static void AbandonAll()
    {
        lock (Gate)
        {
            _abandoned = true;
            foreach (string temporary in Pending)
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Best effort while exiting; nothing else can be done about it.
                }
            }

            Pending.Clear();
        }
    }

    /// <summary>One line naming the option, the path and what happened.</summary>
    public static KeelInputException Failure(string label, string path, Exception e)
    {
        string what = e switch
        {
            KeelInputException k => k.Message,
            DirectoryNotFoundException => $"no such directory {Path.GetDirectoryName(Path.GetFullPath(path))}",
            UnauthorizedAccessException => "permission denied",
            IOException { HResult: 28 } => "no space left on device",
            IOException { HResult: 122 } => "disk quota exceeded",
            IOException { HResult: 30 } => "read-only file system",
            IOException { HResult: 27 } => "file too large",
            _ => e.Message.ReplaceLineEndings(" "),
        };
        string where = path.Length == 0 ? label : $"{label} {path}";
        return e is KeelInputException ki ? ki : new KeelInputException($"{where}: cannot write ({what})", e);
    }

    private static void CheckName(string path, string label)
    {
        if (path.Length == 0)
        {
            throw new KeelInputException($"{label}: the file name is empty");
        }

        if (Directory.Exists(path))
        {
            throw new KeelInputException($"{label} {path}: is a directory; name a file");
        }
    }

    // The file a destination names: a symbolic link is followed, so the link stays a link (a
    // dangling link is replaced by the file).
    private static string Target(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return path;
        }

        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } target ? target.FullName : path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    // /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: a descriptor the process already holds.
    private static bool IsProcessDescriptor(string path)
    {
        string full = Path.GetFullPath(path);
        return full is "/dev/stdout" or "/dev/stderr"
            || full.StartsWith("/dev/fd/", StringComparison.Ordinal)
            || full.StartsWith("/proc/self/fd/", StringComparison.Ordinal);
    }

    // True when the path exists (links followed) and is neither a regular file nor a directory.
    // Linux: statx (its struct is the same on every architecture); elsewhere, paths under /dev.
    private static bool IsSpecialFile(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                const int AtCurrentDirectory = -100, TypeMask = 0x1, ModeOffset = 0x1C, FileTypeBits = 0xF000, Regular = 0x8000, Folder = 0x4000;
                var buffer = new byte[256];
                if (Statx(AtCurrentDirectory, path, 0, TypeMask, buffer) != 0)
                {
                    return false;
                }

                int type = BitConverter.ToUInt16(buffer, ModeOffset) & FileTypeBits;
                return type is not (Regular or Folder);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // An old C library: fall through to the path rule.
            }
        }

        return File.Exists(path) && Path.GetFullPath(path).StartsWith("/dev/", StringComparison.Ordinal);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, [Out] byte[] buffer);

    private void ThrowIfCancelled() => _cancel.ThrowIfCancellationRequested();

    // The temporary file, checking for cancellation before every write so a long writer stops promptly.
    private sealed class CancellableStream(AtomicFile owner) : Stream
    {
        private readonly FileStream _inner = owner._file;

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => _inner.CanSeek;

        public override bool CanWrite => _inner.CanWrite;

        public override long Length => _inner.Length;

        public override long Position { get => _inner.Position; set => _inner.Position = value; }

        public override void Flush()
        {
            owner.ThrowIfCancelled();
            _inner.Flush();
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            owner.ThrowIfCancelled();
            return _inner.FlushAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

        public override void SetLength(long value) => _inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            owner.ThrowIfCancelled();
            _inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            owner.ThrowIfCancelled();
            _inner.Write(buffer);
        }

        public override void WriteByte(byte value)
        {
            owner.ThrowIfCancelled();
            _inner.WriteByte(value);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            owner.ThrowIfCancelled();
            return _inner.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            owner.ThrowIfCancelled();
            return _inner.WriteAsync(buffer, cancellationToken);
        }

        // Dispose is Stream's (closes nothing): the owner closes the file in Commit or Dispose,
        // so writers may dispose this wrapper freely.
    }
}
