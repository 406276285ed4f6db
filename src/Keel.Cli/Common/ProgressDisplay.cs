using System.Diagnostics;
using System.Globalization;
using Keel.Pipeline;

namespace Keel.Cli.Common;

/// <summary>
/// Progress on stderr: a live line when stderr is a terminal and the pass takes more than a second,
/// nothing otherwise (and nothing with --quiet) except a final one-line summary on a terminal.
/// </summary>
internal sealed class ProgressDisplay : IProgress<PipelineProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _live;
    private TimeSpan _lastDraw;
    private bool _drew;

    public ProgressDisplay(bool quiet)
    {
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
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{value.Stage}: {share}{value.RowsRead:N0} rows, {rate:N0} rows/s, {value.Cells:N0} cells   "));
        _drew = true;
    }

    public void Finish(string line)
    {
        if (_drew)
        {
            Console.Error.WriteLine();
        }

        if (_live && _clock.Elapsed > TimeSpan.FromSeconds(1))
        {
            Console.Error.WriteLine(line);
        }
    }
}
