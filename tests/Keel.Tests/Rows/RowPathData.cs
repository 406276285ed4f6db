using System.Globalization;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Rows;

/// <summary>
/// Rows that do not compress: continuous covariates x1, x2 next to factors a (text, 40 levels),
/// b (integers, 25 levels) and c (6 levels). With <c>disconnected</c>, levels a35..a39 meet only
/// b20..b24 and the others only b0..b19: two connected components, so one level of b is not
/// identified. Deterministic for a seed; optionally shuffled.
/// </summary>
internal static class RowPathData
{
    public static string Csv(int rows, int seed, bool disconnected = false, int? shuffleSeed = null, Func<int, int, double, double, double>? x3 = null)
    {
        var random = new Random(seed);
        var lines = new List<string>(rows);
        for (int i = 0; i < rows; i++)
        {
            int a = random.Next(40);
            int b = random.Next(25);
            if (disconnected)
            {
                b = a >= 35 ? 20 + random.Next(5) : random.Next(20);
            }

            int c = random.Next(6);
            double x1 = Math.Round(random.NextDouble() * 4 - 2, 6) + (0.05 * a);
            double x2 = Math.Round(random.NextDouble() * 10, 5) + (0.2 * b);
            double noise = random.NextDouble() - 0.5 + (random.NextDouble() - 0.5);
            double y = 1 + (0.5 * x1) - (0.25 * x2) + (0.03 * a) - (0.02 * b) + (0.1 * c) + (noise * (1 + (0.5 * Math.Abs(x1))));
            string extra = x3 is null ? "" : "," + x3(a, b, x1, x2).ToString("R", CultureInfo.InvariantCulture);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{Math.Round(y, 7):R},{x1:R},{x2:R},a{a:D2},{b},{c}{extra}"));
        }

        if (shuffleSeed is { } s)
        {
            ReproducibleRuns.Shuffle(lines, s);
        }

        return ReproducibleRuns.Csv("y,x1,x2,a,b,c" + (x3 is null ? "" : ",x3"), lines);
    }
}
