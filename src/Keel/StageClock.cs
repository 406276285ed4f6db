namespace Keel;

/// <summary>Stage timings on stderr when KEEL_TIMING is set (for profiling; never part of a result).</summary>
internal sealed class StageClock
{
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly bool _enabled = Environment.GetEnvironmentVariable("KEEL_TIMING") is not null;

    public static StageClock Start() => new();

    public void Lap(string stage)
    {
        if (_enabled)
        {
            // With the collector's counts: gen0/1/2 collections and pause time so far, and the peak working set.
            Console.Error.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"keel timing: {stage} {_watch.Elapsed.TotalSeconds:0.000} s (gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, pause {GC.GetTotalPauseDuration().TotalSeconds:0.000} s, peak {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB)"));
            _watch.Restart();
        }
    }
}

/// <summary>
/// Sub-stage timings on stderr when KEEL_TIMING is set, for profiling the stages StageClock times
/// as a whole (the row path's read, order and solve); never part of a result.
/// </summary>
internal sealed class SubStageClock(string stage)
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("KEEL_TIMING") is not null;

    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();

    public void Lap(string what)
    {
        if (Enabled)
        {
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  {stage} {what} {_watch.Elapsed.TotalSeconds:0.000} s (gc {GC.CollectionCount(0)}/{GC.CollectionCount(2)}, pause {GC.GetTotalPauseDuration().TotalSeconds:0.000} s)"));
            _watch.Restart();
        }
    }
}
