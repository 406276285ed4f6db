using System.Globalization;
using System.Text;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Diagnostics;

/// <summary>
/// Issue 18's large case: three factors of 40,000 / 3,000 / 400 levels over 300,000 rows, the last a
/// function of the second (f3 = 7·f2 mod 400), so the Schur complement after absorbing f1 has 3,398
/// columns, beyond the old dense limit of 2,500. Keel must name exactly the 399 aliased f3 levels (no
/// ALIASING_UNCHECKED), give every coefficient that is not aliased a standard error, and give
/// `--cells-out` a std_error for every combination, equal to an independent computation: R's Matrix
/// package (CHOLMOD sparse Cholesky of X'X on the design without f3), `large_aliased_reference.R`
/// beside this file, which regenerates the same rows from the same integer formulas.
/// Tolerance: the Gram matrix's condition number is about 2e5 (Keel's scaled estimate 455, squared),
/// so either Cholesky keeps about 10 digits of x'(X'X)⁻¹x; 1e-6 relative (issue 18) leaves margin.
/// </summary>
[Trait("Category", "Slow")]
public class LargeAliasedDesignTests
{
    [Fact]
    public void Aliased_levels_are_named_and_every_combination_has_the_reference_standard_error()
    {
        var csv = new StringBuilder("f1,f2,f3,y\n");
        for (long i = 0; i < 300_000; i++)
        {
            long f1 = (i * 2654435761L) % 4294967291L % 40000;
            long f2 = (i * 2246822519L) % 4294967291L % 3000;
            long f3 = f2 * 7 % 400;
            double y = ((i * 3266489917L) % 1000003) / 1000.0;
            csv.Append(CultureInfo.InvariantCulture, $"a{f1},b{f2},c{f3},{y:R}\n");
        }

        using var data = new TempCsv(csv.ToString());
        string cellsOut = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
        try
        {
            var run = KeelProcess.Run(["fit", data.Path, "--formula", "y ~ f1 + f2 + f3", "--cells-out", cellsOut, "--quiet"]);
            Assert.Equal(0, run.ExitCode);
            var diagnostics = run.Json.GetProperty("diagnostics");
            string[] aliased = [.. diagnostics.GetProperty("aliased").EnumerateArray().Select(a => a.GetString()!)];
            Assert.Equal(399, aliased.Length);
            Assert.All(aliased, name => Assert.StartsWith("f3[", name, StringComparison.Ordinal));
            string[] warnings = [.. diagnostics.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()!)];
            Assert.DoesNotContain("ALIASING_UNCHECKED", warnings);
            Assert.DoesNotContain("STD_ERRORS_UNAVAILABLE", warnings);
            Assert.All(
                run.Json.GetProperty("coefficients").EnumerateArray().Where(c => c.GetProperty("status").GetString() == "estimated"),
                c => Assert.Equal(System.Text.Json.JsonValueKind.Number, c.GetProperty("std_error").ValueKind));

            string[] reference = File.ReadAllLines(Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Diagnostics", "large_aliased_reference.csv"));
            double sigma = double.Parse(reference[0].Split(' ', '=')[2], CultureInfo.InvariantCulture);
            Numeric.AssertClose(sigma, run.Json.GetProperty("fit").GetProperty("sigma").GetDouble(), 1e-9, what: "sigma against R");

            string[] header = File.ReadLines(cellsOut).First().Split(',');
            int se = Array.IndexOf(header, "std_error");
            int estimable = Array.IndexOf(header, "estimable");
            var byCombination = new Dictionary<string, string[]>();
            foreach (string line in File.ReadLines(cellsOut).Skip(1))
            {
                string[] f = line.Split(',');
                Assert.False(string.IsNullOrEmpty(f[se]), $"no std_error for {line}");
                Assert.Equal("true", f[estimable]);
                byCombination[string.Join(',', f[..3])] = f;
            }

            foreach (string line in reference.Skip(2))
            {
                string[] r = line.Split(',');
                string[] keel = byCombination[string.Join(',', r[..3])];
                Numeric.AssertClose(double.Parse(r[3], CultureInfo.InvariantCulture), double.Parse(keel[se], CultureInfo.InvariantCulture), 1e-6, what: $"std_error of {string.Join(',', r[..3])}");
            }
        }
        finally
        {
            File.Delete(cellsOut);
        }
    }
}
