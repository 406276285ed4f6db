using System.Text.Json;
using Keel.Tests.Data;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Glm;

/// <summary>
/// Poisson fits through cells files (keel compress --family poisson, then keel fit --cells): the
/// offset's Σw·e^offset and Σw·y·log y travel as the columns keel_sum_w_exp_offset and
/// keel_sum_wy_log_y (each with its exact twin), so a fit of the cells file is the fit of the rows:
/// R's glm with the offset (glm2_reference.R's numbers, as in GlmOffsetAgainstRTests), the rows'
/// deviance of R's glm (glm_reference.R), and the same fingerprint as the CSV fit, also when the
/// rows are compressed in two halves and merged. The same statistics from a SQL engine's GROUP BY
/// (--engine duckdb, the query keel sql prints) agree with R to rounding (the engine's own sums and LN).
/// </summary>
public class GlmCellsFileTests
{
    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    private static JsonElement Keel(params string[] args)
    {
        KeelProcess.Outcome run = KeelProcess.Run(args);
        Assert.True(run.ExitCode == 0, $"keel {string.Join(' ', args)}: exit {run.ExitCode}: {run.Stderr}");
        return run.Stdout.Length > 0 ? run.Json : default;
    }

    private static string Fingerprint(JsonElement result) => result.GetProperty("fingerprint").GetString()!;

    [Theory]
    [InlineData(".csv")]
    [InlineData(".parquet")]
    public void Offset_through_a_cells_file_is_the_fit_of_the_rows(string extension)
    {
        const string formula = "y ~ a + b + offset(log(exposure))";
        string[] lines = File.ReadAllLines(Data("glm_offset.csv"));
        using var first = new TempCsv(string.Join('\n', lines.Take(1 + (lines.Length / 2))) + "\n");
        using var second = new TempCsv(string.Join('\n', lines.Take(1).Concat(lines.Skip(1 + (lines.Length / 2)))) + "\n");
        string whole = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}{extension}");
        string half1 = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}{extension}");
        string half2 = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}{extension}");
        try
        {
            Keel("compress", Data("glm_offset.csv"), "--formula", formula, "--family", "poisson", "--out", whole, "--quiet");
            Keel("compress", first.Path, "--formula", formula, "--family", "poisson", "--out", half1, "--quiet");
            Keel("compress", second.Path, "--formula", formula, "--family", "poisson", "--out", half2, "--quiet");
            JsonElement rows = Keel("fit", Data("glm_offset.csv"), "--formula", formula, "--family", "poisson", "--quiet");
            JsonElement cells = Keel("fit", whole, "--cells", "--formula", formula, "--family", "poisson", "--quiet");
            JsonElement merged = Keel("fit", half1, half2, "--cells", "--formula", formula, "--family", "poisson", "--quiet");

            // R: glm(y ~ a + b, poisson, offset = log(exposure)) (glm2_reference.R).
            double[] expected = [-0.45092318980179408, 0.34668587254535665, -0.14766710465267358, 0.76627566738501229, -0.19395877044882576, 0.3081227130257011];
            double[] actual = cells.GetProperty("coefficients").EnumerateArray()
                .Where(c => c.GetProperty("status").GetString() == "estimated").Select(c => c.GetProperty("estimate").GetDouble()).ToArray();
            Numeric.AssertClose(expected, actual, 1e-10, what: "estimate from the cells file");
            Assert.Equal(Fingerprint(rows), Fingerprint(cells));
            Assert.Equal(Fingerprint(rows), Fingerprint(merged));
            Assert.Equal(rows.GetProperty("fit").GetProperty("deviance").GetDouble(), cells.GetProperty("fit").GetProperty("deviance").GetDouble());
        }
        finally
        {
            File.Delete(whole);
            File.Delete(half1);
            File.Delete(half2);
        }
    }

    [Fact]
    public void Compressed_with_family_poisson_the_cells_give_the_rows_deviance()
    {
        string cellsPath = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}.csv");
        string plainPath = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}.csv");
        try
        {
            Keel("compress", Data("glm_data.csv"), "--formula", "y ~ a + b", "--family", "poisson", "--out", cellsPath, "--quiet");
            Keel("compress", Data("glm_data.csv"), "--formula", "y ~ a + b", "--out", plainPath, "--quiet");
            Assert.Contains("keel_sum_wy_log_y", File.ReadLines(cellsPath).First(), StringComparison.Ordinal);
            Assert.DoesNotContain("keel_sum_wy_log_y", File.ReadLines(plainPath).First(), StringComparison.Ordinal);
            JsonElement fit = Keel("fit", cellsPath, "--cells", "--formula", "y ~ a + b", "--family", "poisson", "--quiet").GetProperty("fit");
            // R's glm on the rows (glm_reference.R): deviance 433.20932203069992, null 657.33221991576318.
            Assert.Equal("rows", fit.GetProperty("deviance_of").GetString());
            Numeric.AssertClose(433.20932203069992, fit.GetProperty("deviance").GetDouble(), 1e-10, what: "deviance");
            Numeric.AssertClose(657.33221991576318, fit.GetProperty("null_deviance").GetDouble(), 1e-10, what: "null deviance");

            // Without the statistic, the grouped deviance (R's glm of the cell means, weights = rows).
            JsonElement grouped = Keel("fit", plainPath, "--cells", "--formula", "y ~ a + b", "--family", "poisson", "--quiet").GetProperty("fit");
            Assert.Equal("cells", grouped.GetProperty("deviance_of").GetString());
            Numeric.AssertClose(2.5895915518338972, grouped.GetProperty("deviance").GetDouble(), 1e-10, what: "grouped deviance");
        }
        finally
        {
            File.Delete(cellsPath);
            File.Delete(plainPath);
        }
    }

    [Fact]
    public void The_query_keel_sql_prints_gives_cells_whose_offset_fit_matches_glm()
    {
        // As a user would: keel sql prints the GROUP BY, the engine (DuckDB here) writes its result
        // as a cells file, keel fit --cells fits it with the same formula.
        const string formula = "y ~ a + b + offset(log(exposure))";
        string query = $"SELECT * FROM read_csv({SourceTestData.Literal(Data("glm_offset.csv"))}, header = true)";
        KeelProcess.Outcome sql = KeelProcess.Run(["sql", "--formula", formula, "--query", query, "--dialect", "duckdb", "--family", "poisson"]);
        Assert.True(sql.ExitCode == 0, sql.Stderr);
        Assert.Contains("AS keel_sum_w_exp_offset", sql.Stdout, StringComparison.Ordinal);
        string cellsPath = Path.Combine(Path.GetTempPath(), $"keel-cells-{Guid.NewGuid():N}.csv");
        try
        {
            SourceTestData.DuckDb(null, $"COPY ({sql.Stdout.Trim()}) TO {SourceTestData.Literal(cellsPath)} (HEADER)");
            JsonElement cells = Keel("fit", cellsPath, "--cells", "--formula", formula, "--family", "poisson", "--quiet");
            JsonElement rows = Keel("fit", Data("glm_offset.csv"), "--formula", formula, "--family", "poisson", "--quiet");

            // R: glm(y ~ a + b, poisson, offset = log(exposure)) (glm2_reference.R). The engine's
            // SUMs are rounded in its own order, so the cells agree with Keel's to rounding: 1e-10.
            double[] expected = [-0.45092318980179408, 0.34668587254535665, -0.14766710465267358, 0.76627566738501229, -0.19395877044882576, 0.3081227130257011];
            double[] actual = cells.GetProperty("coefficients").EnumerateArray()
                .Where(c => c.GetProperty("status").GetString() == "estimated").Select(c => c.GetProperty("estimate").GetDouble()).ToArray();
            Numeric.AssertClose(expected, actual, 1e-10, what: "estimate from the keel sql cells");
            JsonElement fit = cells.GetProperty("fit"), rowsFit = rows.GetProperty("fit");
            Assert.Equal(rowsFit.GetProperty("deviance_of").GetString(), fit.GetProperty("deviance_of").GetString());
            Numeric.AssertClose(rowsFit.GetProperty("deviance").GetDouble(), fit.GetProperty("deviance").GetDouble(), 1e-10, what: "deviance");
        }
        finally
        {
            File.Delete(cellsPath);
        }
    }

    [Fact]
    public void Through_a_SQL_engine_the_offset_and_the_rows_deviance_match_glm()
    {
        JsonElement rate = Keel("fit", Data("glm_offset.csv"), "--engine", "duckdb", "--formula", "y ~ a + b + offset(log(exposure))", "--family", "poisson", "--quiet");
        double[] expected = [-0.45092318980179408, 0.34668587254535665, -0.14766710465267358, 0.76627566738501229, -0.19395877044882576, 0.3081227130257011];
        double[] actual = rate.GetProperty("coefficients").EnumerateArray()
            .Where(c => c.GetProperty("status").GetString() == "estimated").Select(c => c.GetProperty("estimate").GetDouble()).ToArray();
        // DuckDB's SUMs are rounded in its own order: the cells agree with Keel's to rounding, the estimates to 1e-10.
        Numeric.AssertClose(expected, actual, 1e-10, what: "estimate through duckdb");

        JsonElement fit = Keel("fit", Data("glm_data.csv"), "--engine", "duckdb", "--formula", "y ~ a + b", "--family", "poisson", "--quiet").GetProperty("fit");
        Assert.Equal("rows", fit.GetProperty("deviance_of").GetString());
        Numeric.AssertClose(433.20932203069992, fit.GetProperty("deviance").GetDouble(), 1e-10, what: "rows' deviance through duckdb");
    }
}
