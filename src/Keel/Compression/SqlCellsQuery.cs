// SqlCellsQuery: the row pass written as one SQL GROUP BY, for an engine that holds the data.
//
// Objective: per distinct combination of the regressor columns, COUNT(*), Σw, Σw·y and Σw·y² (y after
//   the formula's transform), named as the cells contract says (keel_n, keel_sum_w, keel_sum_wy,
//   keel_sum_wy2), so `keel fit --cells` reads the result like a file written by `keel compress`;
//   with an offset also Σw·e^offset (keel_sum_w_exp_offset), and for a poisson fit Σw·y·log y
//   (keel_sum_wy_log_y), as cells files carry them.
// Invariant: exactly one SELECT, no trailing semicolon, so it can be wrapped in COPY (...) or
//   CREATE TABLE ... AS. Only constructs every dialect documents: CAST, LN, CASE-free WHERE,
//   COUNT/SUM, GROUP BY on plain columns, quoted identifiers.
// Difference from Keel's own pass: the engine sums in floating point (order-dependent in the last
//   bits) and uses its own LN; see docs/data-sources.md for when the result is bit-identical.
using System.Globalization;
using System.Text;

namespace Keel.Compression;

/// <summary>The SQL engines `keel sql` writes for.</summary>
internal enum SqlDialect
{
    DuckDb,
    Postgres,
    Spark,
    Trino,
}

/// <summary>Builds the aggregation query that turns rows into cells inside a SQL engine.</summary>
internal static class SqlCellsQuery
{
    /// <summary>The cell columns after the key columns, in contract order.</summary>
    public static readonly string[] StatisticColumns = ["keel_n", "keel_sum_w", "keel_sum_wy", "keel_sum_wy2"];

    public static SqlDialect ParseDialect(string name) => name.ToLowerInvariant() switch
    {
        "duckdb" => SqlDialect.DuckDb,
        "postgres" or "postgresql" => SqlDialect.Postgres,
        "spark" => SqlDialect.Spark,
        "trino" => SqlDialect.Trino,
        _ => throw new KeelInputException($"--dialect {name}: expected duckdb, postgres, spark or trino"),
    };

    /// <summary>
    /// The SELECT over a table (a name as the engine spells it, e.g. <c>lake.sales</c>) or over a
    /// query (wrapped as a subquery). Exactly one of <paramref name="table"/> and <paramref name="query"/>.
    /// </summary>
    public static string Build(RowPassPlan plan, SqlDialect dialect, string? table, string? query) =>
        BuildFrom(plan, dialect, FromItem(table, query));

    /// <summary>The FROM item for a table name or a query (as a subquery with an alias).</summary>
    public static string FromItem(string? table, string? query) => (table, query) switch
    {
        ({ Length: > 0 } t, null) => t,
        (null, { Length: > 0 } q) => $"({q.Trim().TrimEnd(';').TrimEnd()}) AS keel_source",
        _ => throw new KeelInputException("a database source needs exactly one of --table T and --query \"SQL\""),
    };

    /// <summary>The SELECT over any FROM item (a table, a subquery with alias, a table function call).</summary>
    public static string BuildFrom(RowPassPlan plan, SqlDialect dialect, string from)
    {
        foreach (string key in plan.KeyColumns)
        {
            if (key.StartsWith("keel_", StringComparison.Ordinal))
            {
                throw new KeelInputException($"column '{key}': names starting with keel_ are reserved for the cell statistics; rename the column");
            }
        }

        string real = dialect == SqlDialect.Postgres ? "DOUBLE PRECISION" : "DOUBLE";
        string y = $"CAST({Quote(plan.TargetColumn, dialect)} AS {real})";
        string yTransformed = plan.LogTarget ? $"LN({y})" : y;
        string? w = plan.WeightColumn is null ? null : $"CAST({Quote(plan.WeightColumn, dialect)} AS {real})";

        var keys = plan.KeyColumns.Select(k => Quote(k, dialect)).ToList();
        var select = new List<string>(keys) { "COUNT(*) AS keel_n" };
        if (w is null)
        {
            select.Add($"CAST(COUNT(*) AS {real}) AS keel_sum_w");
            select.Add($"SUM({yTransformed}) AS keel_sum_wy");
            select.Add($"SUM({yTransformed} * {yTransformed}) AS keel_sum_wy2");
        }
        else
        {
            select.Add($"SUM({w}) AS keel_sum_w");
            select.Add($"SUM({w} * {yTransformed}) AS keel_sum_wy");
            select.Add($"SUM({w} * {yTransformed} * {yTransformed}) AS keel_sum_wy2");
        }

        string? offset = plan.OffsetColumn is null ? null : $"CAST({Quote(plan.OffsetColumn, dialect)} AS {real})";
        if (offset is not null)
        {
            // e^offset: the exposure itself for offset(log(e)), else the engine's EXP of the column.
            string expOffset = plan.OffsetLog ? offset : $"EXP({offset})";
            select.Add(w is null ? $"SUM({expOffset}) AS {CellsFileColumns.SumWExpOffset}" : $"SUM({w} * {expOffset}) AS {CellsFileColumns.SumWExpOffset}");
        }

        if (plan.SumWYLogY)
        {
            // 0·log 0 = 0; the engine's LN (Keel's pass uses its own, correctly rounded).
            string term = $"CASE WHEN {yTransformed} > 0 THEN {yTransformed} * LN({yTransformed}) ELSE 0 END";
            select.Add(w is null ? $"SUM({term}) AS {CellsFileColumns.SumWYLogY}" : $"SUM({w} * {term}) AS {CellsFileColumns.SumWYLogY}");
        }

        // A missing value is never a key and a row without a target does not count (as in Keel's pass).
        var where = keys.Select(k => $"{k} IS NOT NULL").ToList();
        where.Add($"{Quote(plan.TargetColumn, dialect)} IS NOT NULL");
        if (plan.LogTarget)
        {
            where.Add($"{y} > 0");
        }

        if (plan.WeightColumn is not null)
        {
            // Keel's pass leaves out weight-0 rows and rejects negative ones; the SQL can only leave them out.
            where.Add($"{w} > 0");
        }

        if (offset is not null)
        {
            // A row without an offset is dropped (as in Keel's pass); log(e) needs e > 0.
            where.Add($"{Quote(plan.OffsetColumn!, dialect)} IS NOT NULL");
            if (plan.OffsetLog)
            {
                where.Add($"{offset} > 0");
            }
        }

        var sql = new StringBuilder();
        sql.Append("SELECT ").AppendJoin(", ", select).Append('\n');
        sql.Append("FROM ").Append(from).Append('\n');
        sql.Append("WHERE ").AppendJoin(" AND ", where);
        if (keys.Count > 0)
        {
            sql.Append('\n').Append("GROUP BY ").AppendJoin(", ", keys);
        }

        return sql.ToString();
    }

    /// <summary>An identifier quoted for the dialect: "name" (SQL standard), `name` for Spark.</summary>
    public static string Quote(string identifier, SqlDialect dialect)
    {
        char q = dialect == SqlDialect.Spark ? '`' : '"';
        string doubled = identifier.Replace(q.ToString(), new string(q, 2), StringComparison.Ordinal);
        return string.Create(CultureInfo.InvariantCulture, $"{q}{doubled}{q}");
    }

    /// <summary>A string literal: single quotes, inner quotes doubled.</summary>
    public static string Literal(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";
}
