using System.Globalization;
using System.Text;
using Keel.Compression;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Compression;

/// <summary>
/// The bytes path of the row pass (RowPass.AddUtf8, under ParallelRowPass) against the oracle, one
/// read of the whole file through the CSV library (RowPass.Add over Sylvan): on random files that mix
/// regular records with every irregularity the bytes path hands over (quotes, lone carriage returns,
/// blank lines, wrong field counts, numbers it does not parse, negative weights, values outside the
/// family's domain) and with the values it must decide itself exactly as the oracle does (missing
/// spellings with and without blanks, non-ASCII keys, long keys, --na drop, zero weights, offsets),
/// the cells agree in every bit, or both reads stop with the same message.
/// </summary>
public class RowPassBytesTests
{
    private static readonly string[] Keys =
    [
        "x", "North", "n", "NA", "", " NA", "NA ", "nan", "NaN", "null", "NULL", "Null", "Zürich", "Åland", "naïve",
        "a_value_longer_than_eight", "  ", "\t", "7", "07", "-1", "\u00A0NA", "x\u00A0", "\"q,1\"", "\"\"", "ß",
    ];

    private static readonly string[] Targets =
    [
        "1.5", "-2", "1e3", "0", "+4", "3.25 ", " 3.25", "0.1", "12345678901234567890", "1E-5", "NA", "", "nan",
        "abc", "1_0", "Infinity", "1e400", "0x10", "-0", "2.", ".5", "\"2.5\"",
    ];

    private static readonly string[] Weights = ["1", "2", "0", "0.5", "NA", "", "-1", "w", "3 "];

    private static readonly string[] Offsets = ["1", "2.5", "0", "-1", "NA", "", "e", "1e-300", "800"];

    public static TheoryData<int, string> Plans() => new()
    {
        { 1, "plain" }, { 2, "plain" }, { 3, "drop invalid, weights" }, { 4, "log target" }, { 5, "poisson, offset(log(e))" },
        { 6, "binomial, offset(o), drop invalid" }, { 7, "plain" }, { 8, "drop invalid, weights" },
    };

    private static RowPassPlan PlanFor(string kind) => kind switch
    {
        "plain" => new RowPassPlan("y", false, null, ["a", "b"]),
        "drop invalid, weights" => new RowPassPlan("y", false, "w", ["a", "b"]) { DropInvalid = true },
        "log target" => new RowPassPlan("y", true, null, ["b", "a"]) { DropInvalid = true },
        "poisson, offset(log(e))" => new RowPassPlan("y", false, null, ["a"]) { TargetDomain = TargetDomain.NonNegative, OffsetColumn = "e", OffsetLog = true, DropInvalid = true },
        _ => new RowPassPlan("y", false, "w", ["a", "b"]) { TargetDomain = TargetDomain.UnitInterval, OffsetColumn = "e", DropInvalid = true },
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void Random_files_give_the_library_reads_cells_or_its_message(int seed, string kind)
    {
        RowPassPlan plan = PlanFor(kind);
        var rng = new Random(seed);
        int agreedTables = 0;
        int agreedErrors = 0;
        for (int file = 0; file < 60; file++)
        {
            // Mostly regular files (so the bytes path carries most records), some with rare irregularities.
            double irregular = file % 3 == 0 ? 0.0 : file % 3 == 1 ? 0.002 : 0.05;
            string text = RandomFile(rng, 400, irregular);
            using var csv = new TempCsv(text);
            CellTable? expected = null;
            string? expectedError = null;
            try
            {
                expected = ParallelRowPassTests.OneThread(csv.Path, plan);
            }
            catch (KeelInputException e)
            {
                expectedError = e.Message;
            }

            foreach ((int threads, int chunk) in new[] { (1, 1 << 20), (2, 97), (3, 1000) })
            {
                if (chunk != 1 << 20 && HasLoneCarriageReturn(text))
                {
                    // Known limit, older than the bytes path (docs/cells.md): the library ends a record at
                    // a lone CR in some contexts, and its read of a range that starts after one can
                    // differ from its read of the whole file. One range is compared.
                    continue;
                }

                string what = $"seed {seed}, file {file}, {threads} threads, {chunk}-byte ranges";
                if (expected is not null)
                {
                    CellTables.AssertSame(expected, ParallelRowPassTests.Parallel(csv.Path, plan, threads, chunk), what, firstLines: true, counts: true);
                    agreedTables++;
                }
                else
                {
                    var error = Assert.Throws<KeelInputException>(() => ParallelRowPassTests.Parallel(csv.Path, plan, threads, chunk));
                    Assert.True(expectedError == error.Message, $"{what}: '{error.Message}', expected '{expectedError}'");

                    agreedErrors++;
                }
            }
        }

        // Both outcomes occur, so neither comparison is vacuous.
        Assert.True(agreedTables > 0 && agreedErrors > 0, $"{agreedTables} tables and {agreedErrors} errors compared");
    }

    [Fact]
    public void Regular_records_after_a_hand_over_keep_their_line_numbers()
    {
        // A quoted field on line 3 sends the rest of the range to the library; the error on line 6 is named as one read names it.
        using var csv = new TempCsv("a,b,y\nx,1,1\n\"x\",1,2\nx,2,3\r\nx,2,4\nx,2,oops\n");
        var expected = Assert.Throws<KeelInputException>(() => ParallelRowPassTests.OneThread(csv.Path, PlanFor("plain")));
        var actual = Assert.Throws<KeelInputException>(() => ParallelRowPassTests.Parallel(csv.Path, PlanFor("plain"), 1, 1 << 20));
        Assert.Contains("line 6", expected.Message, StringComparison.Ordinal);
        Assert.Equal(expected.Message, actual.Message);
    }

    private static bool HasLoneCarriageReturn(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Contains('\r', StringComparison.Ordinal);

    private static string RandomFile(Random rng, int rows, double irregular)
    {
        var text = new StringBuilder("a,b,y,w,e\n");
        string Pick(string[] pool, double rare) =>
            rng.NextDouble() < rare ? pool[rng.Next(pool.Length)] : pool[rng.Next(Math.Min(pool.Length, 4))];
        for (int r = 0; r < rows; r++)
        {
            double p = rng.NextDouble();
            if (p < irregular * 0.2)
            {
                text.Append(rng.Next(4) switch { 0 => "\n", 1 => "x,1,2\rx,1,3\n", 2 => "x\r,1,2,1,1\r\r\n", _ => "x,1,2,1\n" }); // blank line, lone CRs, a field short
                continue;
            }

            string a = Pick(Keys, 0.3);
            string b = rng.Next(5).ToString(CultureInfo.InvariantCulture);
            string y = irregular > 0 ? Pick(Targets, 0.3) : rng.Next(-50, 50).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(100).ToString(CultureInfo.InvariantCulture);
            string w = irregular > 0 ? Pick(Weights, 0.2) : "1";
            string e = irregular > 0 ? Pick(Offsets, 0.2) : "2";
            text.Append(a).Append(',').Append(b).Append(',').Append(y).Append(',').Append(w).Append(',').Append(e);
            text.Append(rng.NextDouble() < 0.3 ? "\r\n" : "\n");
        }

        if (rng.Next(2) == 0 && text[^1] == '\n')
        {
            text.Length--; // No final line feed.
        }

        return text.ToString();
    }
}
