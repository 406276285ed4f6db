using System.Diagnostics;
using System.Globalization;
using System.Text;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Cli;

/// <summary>A generated CSV large enough that each stage of a fit lasts a second or more.</summary>
public sealed class LargeCsvFixture : IDisposable
{
    public LargeCsvFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"keel-interrupt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        Path_ = Path.Combine(Folder, "rows.csv");
        // 2M rows, two factors of 3000 and 500 levels and a continuous x: every row is its own
        // cell, so reading, building the design and the LSMR solve each take seconds here.
        ulong state = 0x9E3779B97F4A7C15;
        double Next()
        {
            state = (state * 6364136223846793005) + 1442695040888963407;
            return (state >> 11) * (1.0 / (1UL << 53));
        }

        using var writer = new StreamWriter(Path_, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        writer.WriteLine("y,a,b,x");
        var line = new StringBuilder();
        for (int i = 0; i < 2_000_000; i++)
        {
            int a = (int)(Next() * 3000), b = (int)(Next() * 500);
            line.Clear();
            line.Append(CultureInfo.InvariantCulture, $"{(a * 0.001) + (b * 0.01) + Next():0.######},a{a},b{b},{Next():0.####}");
            writer.WriteLine(line);
        }
    }

    public string Folder { get; }

    public string Path_ { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>
/// Ctrl-C and SIGTERM stop a fit within a couple of seconds at any stage, with exit status 130 or
/// 143, leave the previous output files untouched and leave no temporary file behind.
/// </summary>
// Slow (signals sent to child processes at several stages): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class InterruptionTests(LargeCsvFixture data) : IClassFixture<LargeCsvFixture>
{
    private const int SigInt = 2, SigTerm = 15;

    // From the signal to the exit: the grace period (1 s) for a stage that does not watch the token,
    // plus the exit itself, with room for a machine shared with builds.
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(SigInt, "read")]
    [InlineData(SigTerm, "read")]
    [InlineData(SigInt, "solve")]
    [InlineData(SigTerm, "solve")]
    [InlineData(SigInt, "write")]
    [InlineData(SigTerm, "write")]
    public void A_signal_stops_the_fit_promptly_and_keeps_the_previous_outputs(int signal, string stage)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // POSIX signals only.
        }

        string outputs = Path.Combine(data.Folder, $"out-{signal}-{stage}");
        Directory.CreateDirectory(outputs);
        string result = Path.Combine(outputs, "result.json"), cells = Path.Combine(outputs, "cells.csv");
        File.WriteAllText(result, "{\"previous\": true}\n");
        File.WriteAllText(cells, "previous,cells\n");

        using KeelProcess.Running keel = KeelProcess.Start(
            ["fit", data.Path_, "--formula", "y ~ a + b + x", "--solver", "lsmr", "--out", result, "--cells-out", cells],
            new Dictionary<string, string> { ["KEEL_TIMING"] = "1" });
        TimeSpan wait = TimeSpan.FromMinutes(2);
        if (stage == "read")
        {
            // The path choice's line is printed just before the row pass begins (about a second of
            // reading here): signalled at once, the signal lands in the read even when a loaded
            // machine shows the line late (a fixed sleep after the first line once overshot it).
            Assert.True(keel.WaitForLine("keel timing: path choice", wait), string.Join('\n', keel.Stderr));
        }
        else if (stage == "solve")
        {
            Assert.True(keel.WaitForLine("keel timing: design", wait), string.Join('\n', keel.Stderr));
        }
        else
        {
            // Writing --cells-out (2M lines): its temporary file beside the destination exists.
            Assert.True(keel.WaitForLine("keel timing: assemble", wait), string.Join('\n', keel.Stderr));
            var polling = Stopwatch.StartNew();
            while (Directory.GetFiles(outputs, ".cells.csv.keel-*.tmp").Length == 0)
            {
                Assert.True(polling.Elapsed < wait, "no temporary file appeared\n" + string.Join('\n', keel.Stderr));
                Thread.Sleep(10);
            }
        }

        var clock = Stopwatch.StartNew();
        keel.Signal(signal);
        int? exit = keel.WaitForExit(TimeSpan.FromMinutes(1));
        TimeSpan stopped = clock.Elapsed;
        string stderr = string.Join('\n', keel.Stderr);

        Assert.Equal(128 + signal, exit);
        Assert.True(stopped < StopLimit, $"stopped after {stopped.TotalSeconds:0.00} s\n{stderr}");
        if (stage != "write")
        {
            // Stopped in the stage aimed at: it never finished (while writing, the temporary file showed it).
            Assert.DoesNotContain(stage == "read" ? "keel timing: read" : "keel timing: assemble", stderr, StringComparison.Ordinal);
        }

        Assert.Contains("interrupted by " + (signal == SigInt ? "SIGINT" : "SIGTERM"), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
        Assert.Equal("{\"previous\": true}\n", File.ReadAllText(result));
        Assert.Equal("previous,cells\n", File.ReadAllText(cells));
        Assert.Equal(["cells.csv", "result.json"], Directory.GetFiles(outputs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
