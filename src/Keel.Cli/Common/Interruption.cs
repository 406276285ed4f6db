using System.Runtime.InteropServices;

namespace Keel.Cli.Common;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal went away): cancel the run's token, so the stage running stops at its next
/// check (the row pass per block of rows, LSMR per iteration, every write of an output file), the
/// output files' temporary files are removed and the previous outputs stay untouched; the process
/// exits with 128 + the signal number (130, 143, 129), as a shell reports a death by that signal.
/// <para>
/// A stage that does not observe the token (building the design, the dense QR, assembling the
/// result) could hold the process for longer: after <see cref="Grace"/> the process removes the
/// output files' temporary files (<see cref="AtomicFile.AbandonAll"/>, after which nothing is
/// renamed into place) and exits at once with the same status. A second signal does that at once.
/// </para>
/// </summary>
internal sealed class Interruption : IDisposable
{
    /// <summary>How long a cancelled run may take to unwind before the process exits regardless.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;
    private Timer? _deadline;
    private int _signal;

    private Interruption()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    /// <summary>Cancelled when the process is asked to stop.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The exit status for the signal received (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), or null.</summary>
    public int? ExitCode => Volatile.Read(ref _signal) is var s and > 0 ? 128 + s : null;

    /// <summary>Starts handling SIGINT and SIGTERM for this process.</summary>
    public static Interruption Install() => new();

    /// <summary>The line on stderr when a run stops on a signal (on a terminal after a line break: a progress line may be half drawn).</summary>
    public string Message => (Console.IsErrorRedirected ? string.Empty : "\n")
        + $"keel: interrupted by {ExitCode switch { 143 => "SIGTERM", 129 => "SIGHUP", _ => "SIGINT" }}; outputs not yet complete were left as they were";

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _deadline?.Dispose();
        _cancel.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the runtime from terminating the process itself: the run unwinds and cleans up first.
        context.Cancel = true;
        int number = context.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGHUP => 1, _ => 15 };
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0)
        {
            Stop();
            return;
        }

        try
        {
            _deadline = new Timer(_ => Stop(), null, Grace, Timeout.InfiniteTimeSpan);
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The command finished while the signal arrived: nothing is left to cancel; exit now.
            Stop();
        }
    }

    private void Stop()
    {
        AtomicFile.AbandonAll();
        Console.Error.WriteLine(Message);
        Environment.Exit(ExitCode ?? 130);
    }
}
