using System.CommandLine;
using Keel.Cli.Common;
using Keel.Compression;
using Keel.Model;

namespace Keel.Cli.Sql;

/// <summary>keel sql --formula F --table T --dialect D: print the GROUP BY that makes the cells inside another engine.</summary>
internal static class SqlCommand
{
    public static Command Create()
    {
        var formula = new Option<string>("--formula", "-f") { Description = "the formula the cells are for (the same one goes to keel fit --cells)", Required = true };
        var table = new Option<string?>("--table") { Description = "the table, as the engine names it (e.g. lake.sales)" };
        var query = new Option<string?>("--query") { Description = "a query whose rows are the data (instead of --table)" };
        var dialect = new Option<string>("--dialect") { Description = "duckdb, postgres, spark or trino", Required = true };
        var weights = new Option<string?>("--weights") { Description = "column of non-negative row weights" };
        var family = new Option<string>("--family") { Description = "poisson: also SUM(w·y·ln y) per cell (keel_sum_wy_log_y), so the poisson fit of the cells reports the rows' deviance; gaussian (default) or binomial: the four sums", DefaultValueFactory = _ => "gaussian" };
        var command = new Command("sql", "Print one SELECT (no semicolon) that computes the cells inside DuckDB, PostgreSQL, Spark or Trino; write its result as CSV or Parquet and fit it with keel fit --cells.");
        command.Options.Add(formula);
        command.Options.Add(table);
        command.Options.Add(query);
        command.Options.Add(dialect);
        command.Options.Add(weights);
        command.Options.Add(family);
        command.SetAction(p => CommandRunner.Run(() =>
        {
            Formula parsed = FormulaParser.Parse(p.GetValue(formula)!);
            RowPassPlan plan = DesignBuilder.PlanFor(parsed, p.GetValue(weights), dropInvalid: false)
                with { SumWYLogY = Fit.FitCommand.ParseFamily(p.GetValue(family) ?? "gaussian") == Keel.Solvers.Glm.GlmFamily.Poisson };
            string sql = SqlCellsQuery.Build(plan, SqlCellsQuery.ParseDialect(p.GetValue(dialect)!), p.GetValue(table), p.GetValue(query));
            Console.Out.WriteLine(sql);
            return ExitCodes.Success;
        }));
        return command;
    }
}
