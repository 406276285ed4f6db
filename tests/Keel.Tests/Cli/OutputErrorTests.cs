using System.Text.Json;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Cli;

/// <summary>
/// Output that cannot be written is bad input (exit 2, one line naming the path and what happened),
/// never an internal error; result JSON escapes only what JSON requires; "-" reads standard input.
/// </summary>
// Slow (child processes against full disks and read-only paths): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class OutputErrorTests
{
    private static string Example => Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");

    private const string ExampleFormula = "log(revenue) ~ region + city + product + C(month) + discount";

    public static TheoryData<string[], string> FullDiskRuns => new()
    {
        { ["fit", Example, "--formula", ExampleFormula, "--out", "/dev/full"], "--out /dev/full" },
        { ["fit", Example, "--formula", ExampleFormula, "--cells-out", "/dev/full"], "--cells-out /dev/full" },
        { ["fit", Example, "--formula", ExampleFormula, "--report", "/dev/full"], "--report /dev/full" },
        { ["diagnose", Example, "--formula", ExampleFormula, "--out", "/dev/full"], "--out /dev/full" },
        { ["compress", Example, "--formula", ExampleFormula, "--out", "/dev/full"], "--out /dev/full" },
    };

    [Theory]
    [MemberData(nameof(FullDiskRuns))]
    public void A_full_disk_is_bad_input_with_one_line_naming_the_path(string[] args, string named)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /dev/full is Linux's
        }

        var run = KeelProcess.Run([.. args, "--quiet"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"keel: {named}: cannot write (no space left on device)", run.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task Predict_to_a_full_disk_and_a_result_to_a_full_stdout_are_bad_input()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string folder = Path.Combine(Path.GetTempPath(), $"keel-full-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string result = Path.Combine(folder, "r.json");
            Assert.Equal(0, KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--quiet", "--out", result]).ExitCode);
            var predict = KeelProcess.Run(["predict", result, Example, "--quiet", "--out", "/dev/full"]);
            Assert.Equal(2, predict.ExitCode);
            Assert.Equal("keel: --out /dev/full: cannot write (no space left on device)", predict.Stderr.TrimEnd('\n'));

            // The shell's redirection: stdout itself is the full device.
            var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("exec dotnet \"$0\" fit \"$1\" --formula \"$2\" --quiet > /dev/full");
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "keel.dll"));
            info.ArgumentList.Add(Example);
            info.ArgumentList.Add(ExampleFormula);
            using var shell = System.Diagnostics.Process.Start(info)!;
            Task<string> stderr = shell.StandardError.ReadToEndAsync();
            ChildProcess.WaitOrKill(shell, KeelProcess.DefaultTimeLimit, "sh -c keel");
            Assert.Equal(2, shell.ExitCode);
            Assert.Equal("keel: standard output: cannot write (no space left on device)", (await stderr).TrimEnd('\n'));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Out_dev_stdout_redirected_to_a_file_writes_into_it_and_appends_after_double_angle()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string file = Path.Combine(Path.GetTempPath(), $"keel-stdout-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(file, "first line\n");
            var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("exec dotnet \"$0\" fit \"$1\" --formula \"$2\" --quiet --out /dev/stdout >> \"$3\"");
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "keel.dll"));
            info.ArgumentList.Add(Example);
            info.ArgumentList.Add(ExampleFormula);
            info.ArgumentList.Add(file);
            using var shell = System.Diagnostics.Process.Start(info)!;
            Task<string> stderr = shell.StandardError.ReadToEndAsync();
            ChildProcess.WaitOrKill(shell, KeelProcess.DefaultTimeLimit, "sh -c keel");
            Assert.True(shell.ExitCode == 0, await stderr);

            // The line before is kept and the result follows it: not renamed over, not written at offset 0.
            string[] parts = File.ReadAllText(file).Split('\n', 2);
            Assert.Equal("first line", parts[0]);
            Assert.Matches("^[0-9a-f]{64}$", JsonDocument.Parse(parts[1]).RootElement.GetProperty("fingerprint").GetString());
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(file)}.keel-*"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_directory_is_bad_input_and_creates_nothing()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"keel-missing-{Guid.NewGuid():N}");
        var run = KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--quiet", "--out", Path.Combine(missing, "r.json")]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"keel: --out {Path.Combine(missing, "r.json")}: cannot write (no such directory {missing})", run.Stderr.TrimEnd('\n'));
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_read_only_destination_or_folder_is_bad_input_and_keeps_the_file()
    {
        // Needs another user than root (root writes anyway): run keel as nobody through setpriv.
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            return;
        }

        string folder = Path.Combine(Path.GetTempPath(), $"keel-ro-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
            string locked = Path.Combine(folder, "locked.json"), open = Path.Combine(folder, "open.json");
            File.WriteAllText(locked, "old");
            File.SetUnixFileMode(locked, (UnixFileMode)0b100_100_100);
            File.WriteAllText(open, "old");
            File.SetUnixFileMode(open, (UnixFileMode)0b110_110_110);

            async Task<(int Code, string Stderr)> AsNobody(string output)
            {
                var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                foreach (string a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", Path.Combine(AppContext.BaseDirectory, "keel.dll"), "fit", Example, "--formula", "log(revenue) ~ region", "--quiet", "--out", output })
                {
                    info.ArgumentList.Add(a);
                }

                info.Environment["HOME"] = folder;
                info.Environment["DOTNET_CLI_HOME"] = folder;
                using var child = System.Diagnostics.Process.Start(info)!;
                Task<string> stderr = child.StandardError.ReadToEndAsync();
                Task<string> stdout = child.StandardOutput.ReadToEndAsync();
                ChildProcess.WaitOrKill(child, KeelProcess.DefaultTimeLimit, "setpriv keel");
                await stdout;
                return (child.ExitCode, (await stderr).TrimEnd('\n'));
            }

            var (code, stderr) = await AsNobody(locked);
            Assert.Equal(2, code);
            Assert.Equal($"keel: --out {locked}: cannot write (permission denied)", stderr);
            (code, stderr) = await AsNobody(open);
            Assert.Equal(2, code);
            Assert.Equal($"keel: --out {open}: cannot write (permission denied to create a file in {folder}, where the output is written first and then renamed into place)", stderr);
            Assert.Equal("old", File.ReadAllText(locked));
            Assert.Equal("old", File.ReadAllText(open));
            Assert.Equal(["locked.json", "open.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_input_that_vanished_is_bad_input_naming_it()
    {
        string gone = Path.Combine(Path.GetTempPath(), $"keel-gone-{Guid.NewGuid():N}.csv");
        var run = KeelProcess.Run(["fit", gone, "--formula", "y ~ a", "--quiet"]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"keel: {gone}: no such file", run.Stderr.TrimEnd('\n'));
    }

    [Fact]
    public void The_result_json_writes_plus_quote_and_letters_as_themselves_and_the_report_escapes_them_for_html()
    {
        // A level holding HTML markup and non-ASCII letters, a formula with + and a quote in C(ref=...).
        using var csv = new TempCsv("y,city,x\n1.5,Zürich <b>&'x'\n2.5,Zürich <b>&'x'\n3.0,Genève\n3.5,Genève\n2.0,Köln\n2.2,Köln\n"
            .Replace("'x'\n", "'x',1\n", StringComparison.Ordinal).Replace("ve\n", "ve,2\n", StringComparison.Ordinal).Replace("ln\n", "ln,4\n", StringComparison.Ordinal));
        string report = Path.ChangeExtension(csv.Path, ".html");
        try
        {
            var run = KeelProcess.Run(["fit", csv.Path, "--formula", "y ~ city + x", "--quiet", "--report", report]);
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("\"formula\": \"y ~ city + x\"", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("\"city[Zürich <b>&'x']\"", run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("\\u", run.Stdout, StringComparison.Ordinal);
            // Still JSON, and it reads back to the same text.
            Assert.Contains(run.Json.GetProperty("coefficients").EnumerateArray(), c => c.GetProperty("level").GetString() == "Zürich <b>&'x'");

            string html = File.ReadAllText(report);
            Assert.Contains(System.Net.WebUtility.HtmlEncode("Zürich"), html, StringComparison.Ordinal);
            Assert.DoesNotContain("<b>&'x'", html, StringComparison.Ordinal);
            Assert.Contains("&lt;b&gt;&amp;", html, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public void A_dash_reads_the_csv_from_standard_input_with_the_files_fingerprint()
    {
        string FingerprintOf(KeelProcess.Outcome run)
        {
            Assert.True(run.ExitCode == 0, run.Stderr);
            return run.Json.GetProperty("fingerprint").GetString()!;
        }

        string fromFile = FingerprintOf(KeelProcess.Run(["fit", Example, "--formula", ExampleFormula, "--quiet"]));
        string fromStdin = FingerprintOf(KeelProcess.Run(["fit", "-", "--formula", ExampleFormula, "--quiet"], stdin: File.ReadAllText(Example)));
        Assert.Equal(fromFile, fromStdin);

        var twice = KeelProcess.Run(["fit", "-", "-", "--formula", ExampleFormula, "--quiet"], stdin: "y,a\n1,b\n");
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("standard input can be read only once", twice.Stderr, StringComparison.Ordinal);

        var empty = KeelProcess.Run(["fit", "-", "--formula", ExampleFormula, "--quiet"], stdin: string.Empty);
        Assert.Equal(2, empty.ExitCode);
        Assert.Equal("keel: standard input: empty; expected a header row naming the columns", empty.Stderr.TrimEnd('\n'));

        var bad = KeelProcess.Run(["fit", "-", "--formula", "y ~ a", "--quiet"], stdin: "y,a\n1,b\nabc,c\n");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("keel: standard input, line 3, column 'y'", bad.Stderr, StringComparison.Ordinal);
    }
}
