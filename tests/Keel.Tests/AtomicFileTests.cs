namespace Keel.Tests;

/// <summary>An output file is complete or untouched: never half-written, never a temporary file left.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"keel-atomic-{Guid.NewGuid():N}");

    public AtomicFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string[] Names() => [.. Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void A_commit_replaces_the_file_keeps_its_permissions_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_folder, "result.json");
        File.WriteAllText(path, "old");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        AtomicFile.Write(path, "--out", s => s.Write("new content"u8));

        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Equal(["result.json"], Names());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_failure_while_writing_keeps_the_previous_file_and_removes_the_temporary_one()
    {
        string path = Path.Combine(_folder, "cells.csv");
        File.WriteAllText(path, "old");
        bool wrote = false;
        Assert.Throws<KeelInputException>(() => AtomicFile.Write(path, "--cells-out", s =>
        {
            s.Write(new byte[1 << 20]);
            wrote = Directory.GetFiles(_folder, ".cells.csv.keel-*.tmp").Length == 1;
            throw new KeelInputException("bad input found late");
        }));

        Assert.True(wrote, "the bytes went to a temporary file beside the destination");
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["cells.csv"], Names());
    }

    [Fact]
    public void Cancellation_stops_the_next_write_and_keeps_the_previous_file()
    {
        string path = Path.Combine(_folder, "report.html");
        File.WriteAllText(path, "old");
        using var cancel = new CancellationTokenSource();
        int writes = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.Write(
            path,
            "--report",
            s =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    s.Write(new byte[4096]);
                    writes++;
                    if (i == 10)
                    {
                        cancel.Cancel();
                    }
                }
            },
            cancel.Token));

        Assert.Equal(11, writes);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["report.html"], Names());
    }

    [Fact]
    public async Task A_reader_never_sees_a_partial_file_while_it_is_rewritten()
    {
        // Each version is 2 MB of one letter; written in place, a reader would catch a mixed or short file.
        string path = Path.Combine(_folder, "out.csv");
        const int Size = 2 << 20;
        File.WriteAllBytes(path, Enumerable.Repeat((byte)'a', Size).ToArray());
        using var done = new CancellationTokenSource();
        int reads = 0;
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                byte[] seen = File.ReadAllBytes(path);
                Assert.Equal(Size, seen.Length);
                Assert.True(seen.AsSpan().IndexOfAnyExcept(seen[0]) < 0, "a file mixing two versions");
                Interlocked.Increment(ref reads);
            }
        });
        // At least 20 versions, and on until the reader has read 50 times amid the rewrites.
        for (int version = 0; version < 20 || (Volatile.Read(ref reads) < 50 && version < 2000); version++)
        {
            byte letter = (byte)('b' + (version % 20));
            AtomicFile.Write(path, "--out", s =>
            {
                for (int i = 0; i < Size; i += 1 << 16)
                {
                    s.Write(Enumerable.Repeat(letter, 1 << 16).ToArray());
                }
            });
        }

        done.Cancel();
        await reader;
        Assert.True(reads >= 50, $"{reads} reads");
        Assert.Equal(Size, new FileInfo(path).Length);
    }

    [Fact]
    public void A_name_at_the_file_system_limit_still_gets_a_temporary_file()
    {
        // 255 bytes: the temporary name (".NAME.keel-GUID.tmp") must not exceed the limit itself.
        string path = Path.Combine(_folder, new string('r', 250) + ".json");
        AtomicFile.Write(path, "--out", s => s.Write("new"u8));
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Names());
    }

    [Fact]
    public void A_symbolic_link_stays_a_link_and_its_target_is_replaced()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // symbolic links need privileges there
        }

        string target = Path.Combine(_folder, "target.json"), link = Path.Combine(_folder, "link.json");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);

        AtomicFile.Write(link, "--out", s => s.Write("new"u8));

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(["link.json", "target.json"], Names());
    }

    [Fact]
    public void A_device_is_written_directly_and_a_full_one_is_bad_input_naming_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /dev/full is Linux's
        }

        AtomicFile.Write("/dev/null", "--out", s => s.Write("discarded"u8));
        var e = Assert.Throws<KeelInputException>(() => AtomicFile.Write("/dev/full", "--out", s => s.Write(new byte[1 << 16])));
        Assert.Equal("--out /dev/full: cannot write (no space left on device)", e.Message);
    }

    [Fact]
    public void A_missing_directory_or_a_directory_as_destination_is_bad_input()
    {
        string missing = Path.Combine(_folder, "no-such-dir", "r.json");
        var e = Assert.Throws<KeelInputException>(() => AtomicFile.Write(missing, "--out", s => s.Write("x"u8)));
        Assert.Equal($"--out {missing}: cannot write (no such directory {Path.Combine(_folder, "no-such-dir")})", e.Message);
        e = Assert.Throws<KeelInputException>(() => AtomicFile.Write(_folder, "--report", s => s.Write("x"u8)));
        Assert.StartsWith($"--report {_folder}: is a directory", e.Message, StringComparison.Ordinal);
        Assert.Empty(Names());
    }
}
