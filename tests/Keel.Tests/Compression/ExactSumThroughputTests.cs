// A micro-measure of ExactSum's throughput, printed, never asserted (speed depends on the machine
// and its load). For meaningful figures run it in Release:
//   dotnet test -c Release --filter "FullyQualifiedName~ExactSumThroughput" --logger "console;verbosity=detailed"
using System.Diagnostics;
using Keel.Compression;
using Xunit.Abstractions;

namespace Keel.Tests.Compression;

public class ExactSumThroughputTests(ITestOutputHelper output)
{
    private const int Rows = 1_000_000;

    [Fact]
    public void Adds_per_second_are_reported()
    {
        var rng = new Random(1);
        double[] y = [.. Enumerable.Range(0, Rows).Select(_ => Math.Round(rng.NextDouble() * 1000, 2))];
        double[] wide = [.. Enumerable.Range(0, Rows).Select(_ => RandomDoubles.Next(rng, -40, 40))];
        int[] many = [.. Enumerable.Range(0, Rows).Select(_ => rng.Next(100_000))];
        int[] few = [.. Enumerable.Range(0, Rows).Select(_ => rng.Next(10))];

        Report("double += (baseline), 100k cells", () =>
        {
            var acc = new double[100_000];
            for (int i = 0; i < Rows; i++)
            {
                acc[many[i]] += y[i];
            }
        });
        Report("Add, 100k cells, decimals 0..1000", () => Sum(new ExactSum[100_000], many, y, products: false));
        Report("Add, 10 cells", () => Sum(new ExactSum[10], few, y, products: false));
        Report("AddProduct(y, y), 100k cells", () => Sum(new ExactSum[100_000], many, y, products: true));
        Report("AddProduct(y, y), 10 cells (escalated)", () => Sum(new ExactSum[10], few, y, products: true));
        Report("Add, 10 cells, ±1e-12..1e12 (escalated)", () => Sum(new ExactSum[10], few, wide, products: false));
    }

    private static void Sum(ExactSum[] acc, int[] cells, double[] values, bool products)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            if (products)
            {
                acc[cells[i]].AddProduct(values[i], values[i]);
            }
            else
            {
                acc[cells[i]].Add(values[i]);
            }
        }
    }

    private void Report(string what, Action pass)
    {
        double best = double.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            pass();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        output.WriteLine($"{what}: {Rows / best / 1e6:F0} M adds/s ({best * 1e9 / Rows:F1} ns/add)");
    }
}
