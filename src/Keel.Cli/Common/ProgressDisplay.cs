using System.Diagnostics;
using System.Globalization;
using Keel.Pipeline;

namespace Keel.Cli.Common;

/// <summary>
/// Progress on stderr: a live line when stderr is a terminal and the pass takes more than a second
/// (rows read, rate, cells so far; for LSMR the iteration and its residual estimates). When stderr
/// is not a terminal, only the final one-line summary; with --quiet, nothing at all.
/// </summary>
internal sealed class ProgressDisplay : IProgress<PipelineProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _live;
    private readonly bool _quiet;
    private TimeSpan _lastDraw;
    private bool _drew;

    public ProgressDisplay(bool quiet)
    {
        _quiet = quiet;
        _live = !quiet && !Console.IsErrorRedirected;
    }

    public void Report(PipelineProgress value)
    {
        if (!_live || _clock.Elapsed < TimeSpan.FromSeconds(1) || _clock.Elapsed - _lastDraw < TimeSpan.FromMilliseconds(200))
        {
            return;
        }

        _lastDraw = _clock.Elapsed;
        double rate = value.RowsRead / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        string share = value.BytesTotal > 0 ? string.Create(CultureInfo.InvariantCulture, $"{100.0 * value.BytesDone / value.BytesTotal,5:0.0}% ") : string.Empty;
        Console.Error.Write(value.Iteration is { } k
            ? string.Create(CultureInfo.InvariantCulture, $"\r{value.Stage}: iteration {k:N0}, ‖Aᵀr‖ ≈ {value.NormAR:G3}, ‖r‖ ≈ {value.NormR:G6} ({value.Cells:N0} cells)   ")
            : string.Create(CultureInfo.InvariantCulture, $"\r{value.Stage}: {share}{value.RowsRead:N0} rows, {rate:N0} rows/s, {value.Cells:N0} cells   "));
        _drew = true;
    }

    public void Finish(string line)
    {
        if (_drew)
        {
            Console.Error.WriteLine();
        }

        // On a terminal only after a long pass (a quick fit stays silent); elsewhere always, for logs.
        if (!_quiet && (!_live || _clock.Elapsed > TimeSpan.FromSeconds(1)))
        {
            Console.Error.WriteLine(line);
        }
    }
}
