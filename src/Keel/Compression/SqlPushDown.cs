// SqlPushDown: the row pass run as one GROUP BY inside DuckDB or PostgreSQL; only cells travel.
//
// Two queries per source: a check (rows, non-positive targets under log, negative and zero weights,
//   so bad input stops with the same message kinds as Keel's own pass) and the cells query of
//   SqlCellsQuery, whose rows go through CellsFileMerger like a cells file.
// Exactness: the engine's SUM(DOUBLE) rounds as it goes and its LN is its own, so the cells agree
//   with Keel's exact pass to a few ulps (bit for bit when every partial sum is representable,
//   e.g. targets that are small multiples of a power of two). DuckDB runs single-threaded and
//   PostgreSQL without parallel workers, so a run repeats its own bits.
using System.Data.Common;
using System.Globalization;
using Keel.Data;

namespace Keel.Compression;

/// <summary>Cells computed inside a SQL engine.</summary>
internal static class SqlPushDown
{
    public static CellTable ReadCells(RowPassPlan plan, DataInputs inputs, CancellationToken cancel)
    {
        var merger = new CellsFileMerger(plan.KeyColumns);
        var totals = new long[3];
        foreach (string input in inputs)
        {
            if (DataInputs.IsDatabase(input))
            {
                ISqlEngine engine = SqlEngines.For(input);
                string from = SqlCellsQuery.FromItem(inputs.Table, inputs.Query);
                using DbConnection connection = engine.Open(input);
                // Messages name the source without its password.
                Run(engine, connection, plan, from, SqlEngines.Redact(input), merger, totals, cancel);
            }
        }

        List<string> files = inputs.Where(i => !DataInputs.IsDatabase(i)).ToList();
        if (files.Count > 0)
        {
            if (inputs.Engine != DataEngine.DuckDb)
            {
                throw new KeelInputException(files.Count == inputs.Count
                    ? $"{files[0]}: --table and --query belong to a database source (duckdb:PATH.duckdb or postgresql://user@host:port/db), not to files"
                    : $"{files[0]}: files and database sources cannot be mixed in one run; compress each and merge the cells files");
            }

            ISqlEngine duckDb = SqlEngines.DuckDb;
            using DbConnection connection = duckDb.Open(null);
            Run(duckDb, connection, plan, FileScan(InputResolver.Resolve(files), plan), string.Join(' ', files), merger, totals, cancel);
        }

        return merger.Finish(new PushDownCounts(totals[0], totals[1], totals[2]));
    }

    /// <summary>A DuckDB table function over the files: read_parquet for Parquet, read_csv (all text, Keel's missing spellings) otherwise.</summary>
    private static string FileScan(IReadOnlyList<string> files, RowPassPlan plan)
    {
        string list = "[" + string.Join(", ", files.Select(f => SqlCellsQuery.Literal(Path.GetFullPath(f)))) + "]";
        if (files.All(CellsFileColumns.IsParquet))
        {
            return $"read_parquet({list}, union_by_name = true)";
        }

        if (files.Any(CellsFileColumns.IsParquet))
        {
            throw new KeelInputException("--engine duckdb: give either CSV or Parquet files, not both");
        }

        // All columns as text, so keys are canonicalized by Keel exactly as its own pass does.
        string scan = $"read_csv({list}, header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true, nullstr = ['', 'NA', 'NaN', 'nan', 'NULL', 'null'])";
        if (!plan.DropInvalid)
        {
            return scan; // A target or weight that is not a number stops the query with DuckDB's conversion error.
        }

        // --na drop: a target or weight that is not a number becomes NULL, so its row is left out.
        var numeric = new[] { plan.TargetColumn, plan.WeightColumn }.OfType<string>()
            .Select(c => $"TRY_CAST({SqlCellsQuery.Quote(c, SqlDialect.DuckDb)} AS DOUBLE) AS {SqlCellsQuery.Quote(c, SqlDialect.DuckDb)}");
        return $"(SELECT * REPLACE ({string.Join(", ", numeric)}) FROM {scan}) AS keel_files";
    }

    private static void Run(ISqlEngine engine, DbConnection connection, RowPassPlan plan, string from, string source, CellsFileMerger merger, long[] totals, CancellationToken cancel)
    {
        SqlDialect dialect = engine.Dialect;
        string check = CheckQuery(plan, dialect, from);
        using (DbDataReader counts = engine.Execute(connection, check, source))
        {
            Guard(source, () => counts.Read());
            long rows = Count(counts, 0), nonPositive = Count(counts, 1), negative = Count(counts, 2), zero = Count(counts, 3);
            if (negative > 0)
            {
                throw KeelInputException.At(source, null, plan.WeightColumn, $"{negative} rows have a negative weight; weights must be non-negative");
            }

            if (nonPositive > 0 && !plan.DropInvalid)
            {
                throw KeelInputException.At(source, null, plan.TargetColumn, $"{nonPositive} rows have a non-positive target, and log() needs positive values (use --na drop to skip such rows)");
            }

            totals[0] += rows;
            totals[1] += zero;
            totals[2] += nonPositive;
        }

        string sql = SqlCellsQuery.BuildFrom(plan, dialect, from);
        DbDataReader reader = engine.Execute(connection, sql, source);
        using var result = new SqlResultSource(source, reader);
        Guard(source, () =>
        {
            merger.Add(result, cancel);
            return true;
        });
    }

    private static string CheckQuery(RowPassPlan plan, SqlDialect dialect, string from)
    {
        string real = dialect == SqlDialect.Postgres ? "DOUBLE PRECISION" : "DOUBLE";
        var present = plan.KeyColumns.Select(k => $"{SqlCellsQuery.Quote(k, dialect)} IS NOT NULL").ToList();
        string y = $"CAST({SqlCellsQuery.Quote(plan.TargetColumn, dialect)} AS {real})";
        present.Add($"{y} IS NOT NULL");
        string keysAndTarget = string.Join(" AND ", present);
        string nonPositive = plan.LogTarget ? $"CAST(SUM(CASE WHEN {keysAndTarget} AND {y} <= 0 THEN 1 ELSE 0 END) AS BIGINT)" : "0";
        string negative = "0", zero = "0";
        if (plan.WeightColumn is not null)
        {
            string w = $"CAST({SqlCellsQuery.Quote(plan.WeightColumn, dialect)} AS {real})";
            string valid = plan.LogTarget ? $"{keysAndTarget} AND {y} > 0" : keysAndTarget;
            negative = $"CAST(SUM(CASE WHEN {valid} AND {w} < 0 THEN 1 ELSE 0 END) AS BIGINT)";
            zero = $"CAST(SUM(CASE WHEN {valid} AND {w} = 0 THEN 1 ELSE 0 END) AS BIGINT)";
        }

        return $"SELECT COUNT(*), {nonPositive}, {negative}, {zero} FROM {from}";
    }

    private static long Count(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    // Errors can surface while rows stream (a text value that does not cast to a number, say).
    private static void Guard(string source, Func<bool> body)
    {
        try
        {
            body();
        }
        catch (Exception e) when (SqlEngines.IsDatabaseError(e))
        {
            string what = SqlEngines.IsConnectionLost(e) ? "the connection to the database was lost while reading" : "the database failed while reading";
            throw KeelInputException.InFile(SqlEngines.Redact(source), $"{what} ({SqlEngines.FirstLine(e.Message)})", e);
        }
    }
}

/// <summary>Row counts a pushed-down pass learns from its check query.</summary>
internal sealed record PushDownCounts(long RowsRead, long ZeroWeightRows, long InvalidRows);
