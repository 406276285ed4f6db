using System.CommandLine;
using Keel.Data;
using Keel.Pipeline;
using Keel.Solvers;

namespace Keel.Cli.Common;

/// <summary>Options every data command accepts, each defined once.</summary>
internal sealed class CommonOptions
{
    public Argument<string[]> Data { get; } = new("data") { Arity = ArgumentArity.OneOrMore, Description = "CSV or Parquet files (.csv, .csv.gz, .parquet), folders or globs of them, read as one dataset; cells files with --cells; or duckdb:PATH.duckdb / postgresql://user@host:port/db with --table or --query" };

    public Option<string> Formula { get; } = new("--formula", "-f") { Description = "R-style formula, e.g. \"y ~ region + city + C(month)\"", Required = true };

    public Option<string?> Weights { get; } = new("--weights") { Description = "column of non-negative row weights" };

    public Option<string?> Out { get; } = new("--out", "-o") { Description = "write the result here instead of stdout" };

    public Option<int?> Threads { get; } = new("--threads") { Description = "threads to use (default: all cores); the result does not depend on it" };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "no progress output" };

    public Option<bool> Summary { get; } = new("--summary") { Description = "print a readable summary instead of JSON" };

    public Option<string> Solver { get; } = new("--solver") { Description = "auto (default: dense QR when the design is small enough, else LSMR), qr, lsmr, ridge, lasso, elasticnet or sgd", DefaultValueFactory = _ => "auto" };

    public Option<string> Na { get; } = new("--na") { Description = "rows with an invalid target or weight: error (default) or drop", DefaultValueFactory = _ => "error" };

    public Option<string?> Table { get; } = new("--table") { Description = "table of a database source (duckdb:PATH.duckdb or postgresql://user@host:port/db)" };

    public Option<string?> Query { get; } = new("--query") { Description = "SQL query whose rows are the data, for a database source" };

    public Option<bool> Cells { get; } = new("--cells") { Description = "the DATA are cells files (from keel compress or keel sql), merged by exact addition" };

    public Option<string> Engine { get; } = new("--engine") { Description = "where the row pass over files runs: native (default, exact sums) or duckdb", DefaultValueFactory = _ => "native" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Data);
        command.Options.Add(Formula);
        command.Options.Add(Weights);
        command.Options.Add(Out);
        command.Options.Add(Threads);
        command.Options.Add(Quiet);
        command.Options.Add(Summary);
        command.Options.Add(Na);
        command.Options.Add(Solver);
        command.Options.Add(Table);
        command.Options.Add(Query);
        command.Options.Add(Cells);
        command.Options.Add(Engine);
    }

    public FitOptions Read(ParseResult p, bool diagnoseOnly)
    {
        string na = p.GetValue(Na) ?? "error";
        if (na is not ("error" or "drop"))
        {
            throw KeelInputException.ForOption("--na", $"--na {na}: expected error or drop");
        }

        int threads = p.GetValue(Threads) ?? Environment.ProcessorCount;
        if (threads < 1)
        {
            throw KeelInputException.ForOption("--threads", $"--threads {threads}: expected a positive number");
        }

        string[] data = p.GetValue(Data) ?? [];
        if (data.FirstOrDefault(d => d.StartsWith("--", StringComparison.Ordinal)) is { } unknown)
        {
            throw KeelInputException.ForOption(unknown, $"{unknown}: unknown option (see keel {p.CommandResult.Command.Name} --help)");
        }

        if (data.Contains(InputResolver.StandardInput) && (p.GetValue(Cells) || p.GetValue(Engine) is "duckdb"))
        {
            throw KeelInputException.InFile("-", "standard input is read as CSV rows by the native engine only (not with --cells or --engine duckdb)");
        }

        return new FitOptions
        {
            Solver = ParseSolver(p.GetValue(Solver) ?? "auto"),
            Formula = p.GetValue(Formula)!,
            Inputs = new DataInputs(data)
            {
                Table = p.GetValue(Table),
                Query = p.GetValue(Query),
                Cells = p.GetValue(Cells),
                Engine = p.GetValue(Engine) switch { "native" or null => DataEngine.Native, "duckdb" => DataEngine.DuckDb, var e => throw KeelInputException.ForOption("--engine", $"--engine {e}: expected native or duckdb") },
            },
            WeightColumn = p.GetValue(Weights),
            DropInvalid = na == "drop",
            Threads = threads,
            DiagnoseOnly = diagnoseOnly,
        };
    }

    private static SolverChoice ParseSolver(string name) => name switch
    {
        "auto" => SolverChoice.Auto,
        "qr" => SolverChoice.Qr,
        "lsmr" => SolverChoice.Lsmr,
        "ridge" => SolverChoice.Ridge,
        "lasso" => SolverChoice.Lasso,
        "elasticnet" => SolverChoice.ElasticNet,
        "sgd" => SolverChoice.Sgd,
        _ => throw KeelInputException.ForOption("--solver", $"--solver {name}: expected auto, qr, lsmr, ridge, lasso, elasticnet or sgd"),
    };
}
