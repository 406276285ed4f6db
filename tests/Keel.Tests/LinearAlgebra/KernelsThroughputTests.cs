// A micro-measure of the kernels against naive loops, printed, never asserted. Run in Release:
//   dotnet test -c Release --filter "FullyQualifiedName~KernelsThroughput" --logger "console;verbosity=detailed"
using System.Diagnostics;
using Keel.LinearAlgebra;
using Xunit.Abstractions;

namespace Keel.Tests.LinearAlgebra;

public class KernelsThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1_000)]
    [InlineData(100_000)]
    [InlineData(4_000_000)]
    public void Dot_and_Norm2_speed_is_reported(int n)
    {
        var rng = new Random(1);
        double[] x = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
        double[] y = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
        int repeats = Math.Max(1, 20_000_000 / n);
        double sink = 0;
        double naive = Best(() =>
        {
            for (int r = 0; r < repeats; r++)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * y[i];
                }

                sink += s;
            }
        });
        double dot = Best(() =>
        {
            for (int r = 0; r < repeats; r++)
            {
                sink += Kernels.Dot(x, y);
            }
        });
        double norm = Best(() =>
        {
            for (int r = 0; r < repeats; r++)
            {
                sink += Kernels.Norm2(x);
            }
        });
        double elements = (double)n * repeats;
        output.WriteLine($"n={n}: naive dot {elements / naive / 1e6:F0} M/s, Kernels.Dot {elements / dot / 1e6:F0} M/s, Kernels.Norm2 {elements / norm / 1e6:F0} M/s (sink {sink:E1})");
    }

    private static double Best(Action pass)
    {
        double best = double.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            pass();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }
}
