using System.CommandLine;
using System.Globalization;
using Keel.Cli.Common;
using Keel.Pipeline;
using Keel.Solvers;

namespace Keel.Cli.Fit;

/// <summary>keel fit DATA... --formula F: fit the model and write the result.</summary>
internal static class FitCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var tolerance = new Option<double?>("--tolerance") { Description = "LSMR stopping tolerance (atol = btol)" };
        var maxIterations = new Option<int?>("--max-iterations") { Description = "LSMR iteration limit" };
        var lambda = new Option<double?>("--lambda") { Description = "penalty weight λ of ridge, lasso and elastic net (objective: docs/penalized.md); default: chosen by --cv" };
        var alpha = new Option<double?>("--alpha") { Description = $"elastic-net mix, 1 = lasso, 0 = ridge (default {Keel.Solvers.Penalized.PenalizedOptions.Default.Alpha})" };
        var cv = new Option<int?>("--cv") { Description = $"K-fold cross-validation over cells to choose λ when --lambda is absent (default K = {Keel.Solvers.Penalized.PenalizedOptions.Default.Folds})" };
        var seed = new Option<ulong?>("--seed") { Description = "seed of the CV folds and of SGD's sampling (default 0): same seed, same result" };
        var epochs = new Option<int?>("--epochs") { Description = $"SGD: passes over the cells at most (default {Keel.Solvers.Stochastic.SgdOptions.Default.MaxEpochs})" };
        var se = new Option<string>("--se") { Description = "standard errors: classical (default) or hc1 (MacKinnon & White 1985)", DefaultValueFactory = _ => "classical" };
        var cluster = new Option<string[]>("--cluster") { Description = "cluster-robust standard errors by this categorical column (CR1, Cameron & Miller 2015); two columns (--cluster a --cluster b, or --cluster a,b) for two-way clustering (Cameron, Gelbach & Miller 2011; row path)" };
        var ssc = new Option<string>("--ssc") { Description = "small-sample factors of robust standard errors on the row path: sandwich (default: R sandwich on the full dummy model) or fixest (fixest's defaults)", DefaultValueFactory = _ => "sandwich" };
        var cellsOut = new Option<string?>("--cells-out") { Description = "write a value per observed combination (n, mean, fitted, std_error, estimable) to this CSV" };
        var shrink = new Option<string>("--shrink") { Description = "with --cells-out: none (default) or eb, empirical-Bayes shrinkage of sparse combinations toward the model (column shrunk)", DefaultValueFactory = _ => "none" };
        var family = new Option<string>("--family") { Description = "gaussian (default: least squares), poisson (log link; counts or non-negative amounts) or binomial (logit link; 0/1 or proportions with --weights as trials): maximum likelihood by IRLS on the cells, R's glm naming", DefaultValueFactory = _ => "gaussian" };
        var report = new Option<string?>("--report") { Description = "write a self-contained HTML report with plots to this file" };
        var command = new Command("fit", "Fit a least-squares model and write the result JSON (or --summary).");
        common.AddTo(command);
        command.Options.Add(tolerance);
        command.Options.Add(maxIterations);
        command.Options.Add(cellsOut);
        command.Options.Add(lambda);
        command.Options.Add(alpha);
        command.Options.Add(cv);
        command.Options.Add(seed);
        command.Options.Add(epochs);
        command.Options.Add(se);
        command.Options.Add(cluster);
        command.Options.Add(ssc);
        command.Options.Add(report);
        command.Options.Add(shrink);
        command.Options.Add(family);
        command.SetAction(p => CommandRunner.Run(cancel =>
        {
            FitOptions options = common.Read(p, diagnoseOnly: false) with
            {
                MaxIterations = p.GetValue(maxIterations),
                Family = ParseFamily(p.GetValue(family) ?? "gaussian"),
            };
            if (options.Family != Keel.Solvers.Glm.GlmFamily.Gaussian && (p.GetValue(shrink) ?? "none") != "none")
            {
                throw KeelInputException.ForOption("--shrink", "--shrink is not available with --family poisson or binomial yet (the result JSON, --summary, --report and --cells-out are)");
            }

            options = WithRemedies(options, p.GetValue(lambda), p.GetValue(alpha), p.GetValue(cv), p.GetValue(seed), p.GetValue(epochs), p.GetValue(se) ?? "classical", p.GetValue(cluster) ?? []);
            options = options with
            {
                NeedsCells = p.GetValue(cellsOut) is not null || p.GetValue(report) is not null,
                SmallSample = (p.GetValue(ssc) ?? "sandwich") switch
                {
                    "sandwich" => SmallSampleConvention.Sandwich,
                    "fixest" => SmallSampleConvention.Fixest,
                    string other => throw KeelInputException.ForOption("--ssc", $"--ssc {other}: expected sandwich or fixest"),
                },
            };
            if (p.GetValue(tolerance) is { } tol)
            {
                options = options with { IterativeTolerance = tol > 0 && tol < 1 ? tol : throw KeelInputException.ForOption("--tolerance", $"--tolerance {tol}: expected a number between 0 and 1") };
            }

            var progress = new ProgressDisplay(p.GetValue(common.Quiet));
            FitOutcome outcome = FitPipeline.Run(options, progress, cancel);
            progress.Finish(string.Create(CultureInfo.InvariantCulture, $"keel: {outcome.Result.Rows:N0} rows, {outcome.Result.Cells:N0} cells, rank {outcome.Result.Rank} of {outcome.Result.Parameters}, solver {outcome.Result.SolverName}"));
            if (p.GetValue(cellsOut) is { } cellsPath && outcome.Design is { } design && outcome.Solution is { } solution && outcome.FittedByCell is { } fitted)
            {
                double[]? shrunk = (p.GetValue(shrink) ?? "none") switch
                {
                    "none" => null,
                    "eb" => Keel.Results.CellShrinkage.Shrunk(design, solution, fitted, out _, out _)
                        ?? throw KeelInputException.ForOption("--shrink", "--shrink eb: needs cells with repeated rows, more cells than parameters and the dense solver (--solver qr)"),
                    string other => throw KeelInputException.ForOption("--shrink", $"--shrink {other}: expected none or eb"),
                };
                Keel.Results.CellsOutput.Write(cellsPath, design, solution, fitted, outcome.Result.Sigma, shrunk, outcome.Result.Glm?.Family, cancel);
            }

            if (p.GetValue(report) is { } reportPath && outcome.Design is not null)
            {
                Keel.Reporting.HtmlReport.Write(reportPath, new Keel.Reporting.ReportInput(outcome.Result, outcome.Design!, outcome.Solution, outcome.FittedByCell), cancel);
            }

            CommandRunner.Emit(outcome, p.GetValue(common.Out), p.GetValue(common.Summary), diagnoseOnly: false, cancel);
            return outcome.Result.Converged ? ExitCodes.Success : ExitCodes.FitFailed;
        }));
        return command;
    }

    /// <summary>--family's value (compress takes it too).</summary>
    internal static Keel.Solvers.Glm.GlmFamily ParseFamily(string name) => name switch
    {
        "gaussian" => Keel.Solvers.Glm.GlmFamily.Gaussian,
        "poisson" => Keel.Solvers.Glm.GlmFamily.Poisson,
        "binomial" => Keel.Solvers.Glm.GlmFamily.Binomial,
        _ => throw KeelInputException.ForOption("--family", $"--family {name}: expected gaussian, poisson or binomial"),
    };

    // Penalty, SGD and standard-error options; defaults come from the solvers' option records.
    private static FitOptions WithRemedies(FitOptions options, double? lambda, double? alpha, int? cv, ulong? seed, int? epochs, string se, string[] clusterOptions)
    {
        string[] clusters = clusterOptions.SelectMany(c => c.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        if (clusters.Length > 2 || clusters.Distinct(StringComparer.Ordinal).Count() != clusters.Length)
        {
            throw KeelInputException.ForOption("--cluster", $"--cluster {string.Join(",", clusters)}: expected one column, or two different columns for two-way clustering");
        }

        if (lambda is { } l && !(l >= 0 && double.IsFinite(l)))
        {
            throw KeelInputException.ForOption("--lambda", $"--lambda {l}: expected a non-negative number");
        }

        if (alpha is { } a && !(a >= 0 && a <= 1))
        {
            throw KeelInputException.ForOption("--alpha", $"--alpha {a}: expected a number between 0 (ridge) and 1 (lasso)");
        }

        if (cv is { } k && k < 2)
        {
            throw KeelInputException.ForOption("--cv", $"--cv {k}: expected at least 2 folds");
        }

        if (epochs is { } e && e < 1)
        {
            throw KeelInputException.ForOption("--epochs", $"--epochs {e}: expected a positive number");
        }

        bool penalized = options.Solver is SolverChoice.Ridge or SolverChoice.Lasso or SolverChoice.ElasticNet;
        if (!penalized && (lambda is not null || alpha is not null || cv is not null))
        {
            throw KeelInputException.ForOption("--lambda", "--lambda, --alpha and --cv apply to --solver ridge, lasso or elasticnet");
        }

        if (options.Solver == SolverChoice.ElasticNet && alpha is null)
        {
            throw KeelInputException.ForOption("--solver", "--solver elasticnet needs --alpha (between 0 and 1)");
        }

        var penalty = options.Penalized with
        {
            Lambda = lambda,
            Alpha = alpha ?? options.Penalized.Alpha,
            Folds = cv ?? options.Penalized.Folds,
            Seed = seed ?? options.Penalized.Seed,
        };
        var sgd = options.Sgd with { Seed = seed ?? options.Sgd.Seed, MaxEpochs = epochs ?? options.Sgd.MaxEpochs };
        StandardErrorKind kind = se switch
        {
            "classical" => StandardErrorKind.Classical,
            "hc1" => StandardErrorKind.Hc1,
            _ => throw KeelInputException.ForOption("--se", $"--se {se}: expected classical or hc1 (for clustered errors use --cluster COL)"),
        };
        return options with { Penalized = penalty, Sgd = sgd, StandardErrors = kind, ClusterColumn = clusters.FirstOrDefault(), SecondClusterColumn = clusters.Length > 1 ? clusters[1] : null };
    }
}
