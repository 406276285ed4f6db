using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Keel.Tests.TestSupport;

/// <summary>Runs the built keel command in a child process, as a user would.</summary>
internal static class KeelProcess
{
    /// <summary>How long a child may run before it is killed and the test fails.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(10);

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;
    }

    /// <param name="stdin">Text fed to the child's standard input (then closed); null leaves it unredirected.</param>
    /// <param name="timeLimit">Killed and failed after this long (default <see cref="DefaultTimeLimit"/>).</param>
    public static Outcome Run(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? stdin = null, TimeSpan? timeLimit = null)
    {
        using var process = Process.Start(StartInfo(args, environment, stdin is not null))!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            Task.Run(() =>
            {
                try
                {
                    process.StandardInput.Write(stdin);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The child stopped reading (it failed early); its exit code tells the test.
                }
            });
        }

        ChildProcess.WaitOrKill(process, timeLimit ?? DefaultTimeLimit, $"keel {string.Join(' ', args)}");

        return new Outcome(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts keel without waiting; stderr is collected line by line while it runs.</summary>
    public static Running Start(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        new(Process.Start(StartInfo(args, environment, redirectStdin: false))!);

    /// <summary>The repository's root (the folder holding Keel.slnx).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Keel.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? environment, bool redirectStdin)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "keel.dll"));
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return info;
    }

#pragma warning disable SYSLIB1054 // blittable; the test project stays free of unsafe code
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    /// <summary>A keel child process that is still running.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _lines = [];
        private readonly ConcurrentQueue<string> _stderr = new();

        internal Running(Process process)
        {
            _process = process;
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    _stderr.Enqueue(line);
                    _lines.Add(line);
                }
            };
            _process.OutputDataReceived += (_, _) => { };
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        /// <summary>Every stderr line so far.</summary>
        public IReadOnlyList<string> Stderr => [.. _stderr];

        /// <summary>Waits for a stderr line containing <paramref name="text"/>; false if the time runs out or the process ends first.</summary>
        public bool WaitForLine(string text, TimeSpan timeLimit)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeLimit)
            {
                if (_lines.TryTake(out string? line, TimeSpan.FromMilliseconds(50)))
                {
                    if (line.Contains(text, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
                else if (_process.HasExited)
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>Sends a POSIX signal (2 = SIGINT, 15 = SIGTERM) to the child.</summary>
        public void Signal(int signal)
        {
            if (Kill(_process.Id, signal) != 0)
            {
                throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        /// <summary>Waits for the exit; kills the child and returns null when it outlives <paramref name="timeLimit"/>.</summary>
        public int? WaitForExit(TimeSpan timeLimit)
        {
            if (!_process.WaitForExit(timeLimit))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
                return null;
            }

            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            _lines.Dispose();
        }
    }
}
