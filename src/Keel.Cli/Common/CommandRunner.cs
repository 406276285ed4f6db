using Keel.Pipeline;
using Keel.Results;

namespace Keel.Cli.Common;

/// <summary>
/// Runs a command body, turning bad input into exit code 2 with one line on stderr, and SIGINT or
/// SIGTERM into a prompt stop with status 130 or 143 (<see cref="Interruption"/>).
/// </summary>
internal static class CommandRunner
{
    public static int Run(Func<int> body) => Run(_ => body());

    /// <summary>Runs <paramref name="body"/> with a token that SIGINT and SIGTERM cancel.</summary>
    public static int Run(Func<CancellationToken, int> body)
    {
        using Interruption interruption = Interruption.Install();
        try
        {
            return body(interruption.Token);
        }
        catch (Exception) when (interruption.ExitCode is { } signalled)
        {
            // Whatever the stage threw while unwinding from the signal, the signal is the answer.
            Console.Error.WriteLine(interruption.Message);
            return signalled;
        }
        catch (KeelInputException e)
        {
            Console.Error.WriteLine($"keel: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read or write the code did not wrap with its own message (a failing disk, a network
            // file system): still the environment or the input, not a bug; .NET's text names the path.
            Console.Error.WriteLine($"keel: {e.Message.ReplaceLineEndings(" ")}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("keel: cancelled");
            return ExitCodes.FitFailed;
        }
        catch (OutOfMemoryException)
        {
            Console.Error.WriteLine("keel: out of memory; the number of cells is too large for this machine (try fewer regressor columns)");
            return ExitCodes.FitFailed;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("KEEL_DEBUG") is null)
        {
            Console.Error.WriteLine($"keel: internal error ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}); please report it with the command (KEEL_DEBUG=1 shows the trace)");
            return ExitCodes.FitFailed;
        }
    }

    /// <summary>Writes the result as JSON or as the text summary, to --out (atomically) or stdout.</summary>
    public static void Emit(FitOutcome outcome, string? outPath, bool summary, bool diagnoseOnly, CancellationToken cancel = default)
    {
        void Write(Stream target)
        {
            if (summary)
            {
                using var writer = new StreamWriter(target, leaveOpen: true);
                writer.Write(SummaryText.Render(outcome.Result, diagnoseOnly));
            }
            else
            {
                ResultJson.Write(outcome.Result, target, diagnoseOnly);
            }
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (outPath is not null)
        {
            AtomicFile.Write(outPath, "--out", Write, cancel);
            ReportTiming(watch);
            return;
        }

        try
        {
            using Stream stdout = Console.OpenStandardOutput();
            Write(stdout);
        }
        catch (IOException e)
        {
            // A closed pipe or a full disk behind a shell redirection: bad input, not a failed fit.
            throw AtomicFile.Failure("standard output", string.Empty, e);
        }

        ReportTiming(watch);
    }

    // KEEL_TIMING: how long writing the result took (profiling only).
    private static void ReportTiming(System.Diagnostics.Stopwatch watch)
    {
        if (Environment.GetEnvironmentVariable("KEEL_TIMING") is not null)
        {
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"keel timing: write {watch.Elapsed.TotalSeconds:0.000} s"));
        }
    }
}
