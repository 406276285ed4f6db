using Keel.Pipeline;
using Keel.Results;

namespace Keel.Cli.Common;

/// <summary>Runs a command body, turning bad input into exit code 2 with one line on stderr.</summary>
internal static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (KeelInputException e)
        {
            Console.Error.WriteLine($"keel: {e.Message}");
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

    /// <summary>Writes the result as JSON or as the text summary, to --out or stdout.</summary>
    public static void Emit(FitOutcome outcome, string? outPath, bool summary, bool diagnoseOnly)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Stream target = outPath is null ? Console.OpenStandardOutput() : OpenOut(outPath);
        using (target)
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

        if (Environment.GetEnvironmentVariable("KEEL_TIMING") is not null)
        {
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"keel timing: write {watch.Elapsed.TotalSeconds:0.000} s"));
        }
    }

    private static FileStream OpenOut(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeelInputException($"--out {path}: cannot write ({e.Message})", e);
        }
    }
}
