namespace Keel;

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
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  {stage} {what} {_watch.Elapsed.TotalSeconds:0.000} s"));
            _watch.Restart();
        }
    }
}
