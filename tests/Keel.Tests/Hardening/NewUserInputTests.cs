using System.Globalization;
using System.Text;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Hardening;

/// <summary>
/// The issue-9 acceptance pass: awkward inputs invented by a new user (none of them in
/// <see cref="AwkwardInputTests"/>), each run through the command line as a user would. Every one
/// either exits 2 with a one-line message saying where and what, or exits 0 with the right
/// warnings; none prints a stack trace, none writes NaN or Infinity, none takes more than a few
/// seconds (the 200,000-level factor included: it must take the sparse path).
/// </summary>
// Slow (many child processes): `dotnet test --filter "Category!=Slow"` skips it in the quick loop; CI runs everything.
[Trait("Category", "Slow")]
public class NewUserInputTests
{
    public static TheoryData<string, string, string, string, int, string> Cases => new()
    {
        // name, file content (\u00EF\u00BB\u00BF and \xE9 written as bytes below), formula, extra args, exit code, text expected in stderr (exit 2) or stdout (exit 0)
        { "trailing-comma-header", "a,y,\nx,1,\ny,2,\nx,3,\n", "y ~ a", "", 0, "CONFLICTING_DUPLICATES" },
        { "empty-column-name", "a,,y\nx,1,2\ny,2,3\nx,3,4\n", "y ~ a", "", 0, "CONFLICTING_DUPLICATES" },
        { "inf-text-target", "a,y\nx,nan\ny,inf\nx,1\ny,2\n", "y ~ a", "", 2, "line 3, column 'y': 'inf' is not a finite number" },
        { "factor-all-missing", "a,b,y\nNA,1,1\n,2,2\nNA,3,3\n", "y ~ a", "", 2, "3 with a missing value in a column of the formula" },
        { "weights-all-zero", "a,y,w\nx,1,0\ny,2,0\nx,3,0\n", "y ~ a", "--weights w", 2, "all 3 rows have weight 0" },
        { "tab-delimited", "a\ty\nx\t1\ny\t2\n", "y ~ a", "", 2, "separated by tabs?" },
        { "semicolon-delimited", "a;y\nx;1\ny;2\n", "y ~ a", "", 2, "separated by semicolons?" },
        { "unicode-names-bare", "größe,wert\nklein,1\ngroß,2\nklein,3\n", "wert ~ größe", "", 2, "column 10: unexpected character" },
        { "unicode-names-backticks", "größe,ÿ\nklein,1\ngroß,2\nklein,3\n", "`ÿ` ~ `größe`", "", 0, "`größe`[klein]" },
        { "log-zero-dropped", "a,y\nx,0\nx,1\ny,2\ny,3\n", "log(y) ~ a", "--na drop", 0, "DROPPED_ROWS" },
        { "long-line", "a,y\nx,1\ny,2\n\"" + new string('z', 2_000_000) + "\",3\n", "y ~ a", "", 0, "NO_RESIDUAL_DF" },
        { "bom-header-only", "\uFEFFa,y\n", "y ~ a", "", 2, "a header but no data rows" },
        { "1e400-regressor", "a,x,y\nu,1e400,1\nv,2,2\nu,3,3\n", "y ~ x", "", 2, "column 'x', line 2: '1e400' is not a finite number" },
        { "text-in-numeric-regressor", "x,y\n1,2\nabc,3\n4,5\n", "y ~ x", "", 2, "column 'x', line 3: 'abc'" },
        { "text-in-numeric-as-factor", "x,y\n1,2\nabc,3\n4,5\nabc,6\n", "y ~ C(x)", "", 0, "C(x)[abc]" },
        { "threads-zero", "a,y\nx,1\ny,2\n", "y ~ a", "--threads 0", 2, "--threads 0: expected a positive number" },
        { "threads-negative", "a,y\nx,1\ny,2\n", "y ~ a", "--threads -3", 2, "--threads -3" },
        { "tolerance-negative", "a,y\nx,1\ny,2\n", "y ~ a", "--tolerance -1", 2, "--tolerance -1" },
        { "quoted-header-with-space", "\"my col\",y\nx,1\ny,2\nx,3\n", "y ~ `my col`", "", 0, "my col" },
        { "nul-byte-in-level", "a,y\nx,1\nx\0,2\ny,3\n", "y ~ a", "", 0, "SINGLETON_LEVELS" },
        { "case-differing-headers", "A,a,y\nx,p,1\ny,q,2\nx,q,3\n", "y ~ A + a", "", 0, "NO_RESIDUAL_DF" },
        { "20-digit-ids", "id,y\n12345678901234567890,1\n12345678901234567891,2\n12345678901234567890,3\n", "y ~ C(id)", "", 0, "CONFLICTING_DUPLICATES" },
        { "unterminated-quote", "a,y\n\"unterminated,1\ny,2\n", "y ~ a", "", 2, "line 2: not readable as CSV" },
        { "response-on-both-sides", "a,y\nx,1\ny,2\n", "y ~ y", "", 2, "column 5: the response y cannot also be a regressor" },
        { "log-negative", "a,y\nx,-1\ny,2\nx,3\n", "log(y) ~ a", "", 2, "line 2, column 'y': log(-1) is undefined" },
        { "mixed-1e308-and-ordinary", "a,y\np,1e308\nq,1e-308\nr,2.5\np,1e308\nq,3\nr,4.5\nr,5\ns,1e-308\n", "y ~ 0 + a", "--solver lsmr", 0, "NON_FINITE" },
        { "ridge-cv-beyond-range", "a,y\np,1.7e308\nq,-1.7e308\nr,1.6e308\np,1.5e308\nq,-1.6e308\n", "y ~ a", "--solver ridge --cv 3", 2, "give --lambda" },
        { "huge-regressor-lsmr", "a,b,y\nL0,1e308,1\nL1,-1e308,2\nL0,2,3\nL1,1e-308,4\n", "y ~ a + b", "--solver lsmr", 2, "column 'b': the sum of w·value² over the rows exceeds the double range" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_new_users_input_gets_a_clear_answer(string name, string content, string formula, string extra, int exitCode, string expected)
    {
        using var file = new TempCsv(content);
        string[] args = ["fit", file.Path, "--formula", formula, "--quiet", .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        KeelProcess.Outcome outcome = KeelProcess.Run(args);
        AssertCleanOutcome(name, outcome, exitCode, expected);
    }

    [Fact]
    public void A_directory_without_csv_files_is_refused()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"keel-empty-dir-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            AssertCleanOutcome("directory", KeelProcess.Run(["fit", folder, "--formula", "y ~ a", "--quiet"]), 2, "no CSV files found");
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void Latin1_bytes_are_refused_as_not_utf8()
    {
        string path = Path.Combine(Path.GetTempPath(), $"keel-latin1-{Guid.NewGuid():N}.csv");
        File.WriteAllBytes(path, [.. "a,y\ncaf"u8, 0xE9, .. ",1\nx,2\n"u8]);
        try
        {
            AssertCleanOutcome("latin1", KeelProcess.Run(["fit", path, "--formula", "y ~ a", "--quiet"]), 2, "not a readable CSV file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_factor_of_200000_levels_fits_on_the_sparse_path()
    {
        // 400,000 rows, level l on rows l and l + 200,000; y = (l mod 13) + noise, x noise: fits by
        // LSMR over codes (a dense 400,000 × 200,001 matrix would need 640 GB).
        var rng = new Random(1);
        var csv = new StringBuilder("id,x,y\n", 12_000_000);
        for (int i = 0; i < 400_000; i++)
        {
            int level = i % 200_000;
            csv.Append(CultureInfo.InvariantCulture, $"id{level},{rng.NextDouble():F6},{(level % 13) + rng.NextDouble():F6}\n");
        }

        using var file = new TempCsv(csv.ToString());
        // --solver lsmr: the cell path's sparse solver (auto would take the row path: x never repeats).
        KeelProcess.Outcome outcome = KeelProcess.Run(["fit", file.Path, "--formula", "y ~ C(id) + x", "--solver", "lsmr", "--quiet"]);
        AssertCleanOutcome("200k levels", outcome, 0, "\"name\":\"lsmr\"");
        Assert.Equal(200_002, outcome.Json.GetProperty("coefficients").GetArrayLength());
    }

    private static void AssertCleanOutcome(string name, KeelProcess.Outcome outcome, int exitCode, string expected)
    {
        Assert.True(exitCode == outcome.ExitCode, $"{name}: exit {outcome.ExitCode}, expected {exitCode}; stderr: {outcome.Stderr}");
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", outcome.Stderr, StringComparison.Ordinal);
        if (exitCode == 2)
        {
            string message = outcome.Stderr.Trim();
            Assert.False(message.Contains('\n', StringComparison.Ordinal), $"{name}: not one line: {message}");
            Assert.Contains(expected, message, StringComparison.Ordinal);
            return;
        }

        // The result is strict JSON (a bare NaN or Infinity would not parse) and holds neither word.
        using var strict = System.Text.Json.JsonDocument.Parse(outcome.Stdout);
        Assert.DoesNotContain("NaN", outcome.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", outcome.Stdout, StringComparison.Ordinal);
        // The JSON escapes non-ASCII and backticks (\u00F6): compare with the unescaped text.
        Assert.Contains(expected, System.Text.RegularExpressions.Regex.Unescape(outcome.Stdout), StringComparison.Ordinal);
    }
}
