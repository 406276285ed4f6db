using System.Globalization;
using System.Text;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Absorption;

/// <summary>
/// `--cells-out` standard errors on the iterative (absorbed-factor) path, which had none before:
/// std_error/sigma = √(x_c'(X'X)⁻¹x_c) for every observed combination, against MathNet's Cholesky
/// inverse of the Gram matrix formed here from the rows.
/// </summary>
public class CellVarianceFactorTests
{
    [Fact]
    public void Every_combination_gets_its_standard_error_on_the_iterative_path_with_an_aliased_factor()
    {
        // Three crossed factors (300, 25, 6 levels) and d, a function of b (its 4 columns aliased).
        var rng = new Random(1818);
        var rows = Enumerable.Range(0, 8000).Select(i => (a: i < 300 ? i : rng.Next(300), b: i < 25 ? i : rng.Next(25), c: i < 6 ? i : rng.Next(6))).ToList();
        var csv = new StringBuilder("a,b,c,d,y\n");
        foreach (var (a, b, c) in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"A{a:D3},B{b:D2},C{c},D{b % 5},{(0.01 * a) + (0.1 * b) - (0.2 * c) + rng.NextDouble():R}\n");
        }

        using var data = new TempCsv(csv.ToString());
        string cellsOut = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
        try
        {
            var run = KeelProcess.Run(["fit", data.Path, "--formula", "y ~ a + b + c + d", "--solver", "lsmr", "--cells-out", cellsOut, "--quiet"]);
            Assert.Equal(0, run.ExitCode);
            var diagnostics = run.Json.GetProperty("diagnostics");
            Assert.Equal(4, diagnostics.GetProperty("aliased").GetArrayLength());
            Assert.DoesNotContain(diagnostics.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "ALIASING_UNCHECKED");
            double sigma = run.Json.GetProperty("fit").GetProperty("sigma").GetDouble();

            // The kept design: intercept, a, b, c (each but its first level); d is aliased.
            int p = 1 + 299 + 24 + 5;
            int[] Columns(int a, int b, int c) =>
                new[] { 0, a > 0 ? a : -1, b > 0 ? 299 + b : -1, c > 0 ? 299 + 24 + c : -1 }.Where(j => j >= 0).ToArray();
            var gram = Matrix<double>.Build.Dense(p, p);
            foreach (var (a, b, c) in rows)
            {
                int[] js = Columns(a, b, c);
                foreach (int j in js)
                {
                    foreach (int k in js)
                    {
                        gram[j, k] += 1;
                    }
                }
            }

            var inverse = gram.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(p));
            var lines = File.ReadLines(cellsOut).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(rows.Distinct().Count(), lines.Count);
            foreach (string[] f in lines)
            {
                int[] js = Columns(int.Parse(f[0][1..], CultureInfo.InvariantCulture), int.Parse(f[1][1..], CultureInfo.InvariantCulture), int.Parse(f[2][1..], CultureInfo.InvariantCulture));
                double h = js.Sum(j => js.Sum(k => inverse[j, k]));
                Assert.False(string.IsNullOrEmpty(f[7]), $"no std_error for {string.Join(',', f[..4])}");
                // The Gram matrix's condition number is about 1e3: both inverses keep 12 digits; 1e-9.
                Numeric.AssertClose(Math.Sqrt(h), double.Parse(f[7], CultureInfo.InvariantCulture) / sigma, 1e-9, what: $"std_error/sigma of {string.Join(',', f[..4])}");
            }
        }
        finally
        {
            File.Delete(cellsOut);
        }
    }
}
