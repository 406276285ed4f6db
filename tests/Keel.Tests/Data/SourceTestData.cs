using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Keel.Compression;
using Keel.Data;
using Keel.Tests.TestSupport;
using Keel.Model;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers;

namespace Keel.Tests.Data;

/// <summary>
/// One dataset written in every form Keel reads (CSV, Parquet, DuckDB, PostgreSQL, cells files),
/// and the helpers that read it back as cells or fit it, so tests can say "all give the same fit".
/// Two flavours: <c>exact</c> targets are multiples of 1/8 and weights small integers, so every
/// partial sum any engine forms is a representable double (exact by construction, whatever the
/// order); <c>general</c> targets are arbitrary doubles, where an engine's floating-point SUM
/// differs from Keel's exact sum in the last bits.
/// </summary>
internal sealed class SourceTestData : IDisposable
{
    public const string Formula = "y ~ a + b + C(month) + x";
    public const string LogFormula = "log(y) ~ a + b * x";

    public SourceTestData(bool exact, int rows = 3000, int seed = 7)
    {
        Folder = Path.Combine(Path.GetTempPath(), $"keel-sources-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        var random = new Random(seed);
        var csv = new StringBuilder("a,b,month,x,y,w\n");
        double[] xs = [0, 0.5, 1.25, 2];
        for (int i = 0; i < rows; i++)
        {
            int a = random.Next(30), b = random.Next(5), month = 1 + random.Next(12);
            double x = xs[random.Next(xs.Length)];
            double y = exact
                ? (random.Next(1, 1600) / 8.0)
                : Math.Exp(1 + (0.01 * a) - (0.2 * b) + (0.3 * x) + (0.5 * random.NextDouble()));
            double w = exact ? random.Next(1, 5) : 0.5 + (1.5 * random.NextDouble());
            string aText = i % 97 == 5 ? string.Empty : $"a{a:00}"; // some missing keys
            csv.Append(CultureInfo.InvariantCulture, $"{aText},b{b},{month},{R(x)},{R(y)},{R(w)}\n");
        }

        Csv = Path.Combine(Folder, "data.csv");
        File.WriteAllText(Csv, csv.ToString());
    }

    public string Folder { get; }

    public string Csv { get; }

    public string File_(string name) => Path.Combine(Folder, name);

    /// <summary>The data as a DuckDB database file with table "sales"; returns the duckdb: source.</summary>
    public string DuckDbDatabase()
    {
        string path = File_("data.duckdb");
        if (!File.Exists(path))
        {
            DuckDb(path, $"CREATE TABLE sales AS SELECT * FROM read_csv({Literal(Csv)}, header = true, columns = {{'a': 'VARCHAR', 'b': 'VARCHAR', 'month': 'INTEGER', 'x': 'DOUBLE', 'y': 'DOUBLE', 'w': 'DOUBLE'}})");
        }

        return "duckdb:" + path;
    }

    /// <summary>The data as a Parquet file written by DuckDB (nullable columns, as most writers make them).</summary>
    public string Parquet()
    {
        string path = File_("data.parquet");
        if (!File.Exists(path))
        {
            DuckDb(null, $"COPY (SELECT * FROM read_csv({Literal(Csv)}, header = true, columns = {{'a': 'VARCHAR', 'b': 'VARCHAR', 'month': 'INTEGER', 'x': 'DOUBLE', 'y': 'DOUBLE', 'w': 'DOUBLE'}})) TO {Literal(path)} (FORMAT PARQUET, ROW_GROUP_SIZE 1000)");
        }

        return path;
    }

    /// <summary>Runs SQL in DuckDB (a database file, or in memory for null).</summary>
    public static void DuckDb(string? database, string sql)
    {
        using var connection = new DuckDBConnection(database is null ? "DataSource=:memory:" : $"DataSource={database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static string Literal(string text) => SqlCellsQuery.Literal(text);

    public static CellTable Cells(DataInputs inputs, string formula, string? weights = null, bool dropInvalid = false) =>
        FitPipeline.ReadCells(FormulaParser.Parse(formula), Options(inputs, formula, weights, dropInvalid), null, CancellationToken.None);

    public static FitResult Fit(DataInputs inputs, string formula, string? weights = null) =>
        FitPipeline.Run(Options(inputs, formula, weights, false)).Result;

    public static string FingerprintOf(FitResult result) => Fingerprint.Of(result.Coefficients.Select(c => c.Estimate));

    /// <summary>The same cells: keys, counts and the bits of every rounded sum (engines keep no exact sums).</summary>
    public static void AssertSameCells(CellTable expected, CellTable actual) => CellTables.AssertSame(expected, actual, roundedOnly: true);

    /// <summary>
    /// Coefficients equal to <paramref name="rel"/> relative (to the largest estimate, so a
    /// near-zero coefficient is not held to a relative bound it cannot meet), statuses equal.
    /// </summary>
    public static void AssertCloseFits(FitResult expected, FitResult actual, double rel)
    {
        Assert.Equal(expected.Coefficients.Count, actual.Coefficients.Count);
        double scale = expected.Coefficients.Max(c => Math.Abs(c.Estimate ?? 0));
        for (int i = 0; i < expected.Coefficients.Count; i++)
        {
            Assert.Equal(expected.Coefficients[i].Status, actual.Coefficients[i].Status);
            if (expected.Coefficients[i].Estimate is { } e)
            {
                TestSupport.Numeric.AssertClose(e, actual.Coefficients[i].Estimate!.Value, rel, rel * scale, expected.Coefficients[i].Name);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalizer-held handle; the temp folder is cleaned by the OS.
        }
    }

    // The tight LSMR tolerance makes the solve reflect the data, not where the iteration stopped.
    private static FitOptions Options(DataInputs inputs, string formula, string? weights, bool dropInvalid) => new()
    {
        Formula = formula,
        Inputs = inputs,
        WeightColumn = weights,
        DropInvalid = dropInvalid,
        Solver = SolverChoice.Lsmr,
        IterativeTolerance = 1e-15,
        MaxIterations = 10_000,
    };

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
