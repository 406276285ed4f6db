using System.CommandLine;
using System.Globalization;
using Keel.Cli.Common;
using Keel.Pipeline;

namespace Keel.Cli.Fit;

/// <summary>keel fit DATA... --formula F: fit the model and write the result.</summary>
internal static class FitCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var tolerance = new Option<double?>("--tolerance") { Description = "LSMR stopping tolerance (atol = btol)" };
        var maxIterations = new Option<int?>("--max-iterations") { Description = "LSMR iteration limit" };
        var cellsOut = new Option<string?>("--cells-out") { Description = "write a value per observed combination (n, mean, fitted, std_error, estimable) to this CSV" };
        var report = new Option<string?>("--report") { Description = "write a self-contained HTML report with plots to this file" };
        var command = new Command("fit", "Fit a least-squares model and write the result JSON (or --summary).");
        common.AddTo(command);
        command.Options.Add(tolerance);
        command.Options.Add(maxIterations);
        command.Options.Add(cellsOut);
        command.Options.Add(report);
        command.SetAction(p => CommandRunner.Run(() =>
        {
            FitOptions options = common.Read(p, diagnoseOnly: false) with
            {
                MaxIterations = p.GetValue(maxIterations),
            };
            if (p.GetValue(tolerance) is { } tol)
            {
                options = options with { IterativeTolerance = tol > 0 && tol < 1 ? tol : throw new KeelInputException($"--tolerance {tol}: expected a number between 0 and 1") };
            }

            var progress = new ProgressDisplay(p.GetValue(common.Quiet));
            FitOutcome outcome = FitPipeline.Run(options, progress);
            progress.Finish(string.Create(CultureInfo.InvariantCulture, $"keel: {outcome.Result.Rows:N0} rows, {outcome.Result.Cells:N0} cells, rank {outcome.Result.Rank} of {outcome.Result.Parameters}, solver {outcome.Result.SolverName}"));
            if (p.GetValue(cellsOut) is { } cellsPath && outcome.Solution is { } solution && outcome.FittedByCell is { } fitted)
            {
                Keel.Results.CellsOutput.Write(cellsPath, outcome.Design, solution, fitted, outcome.Result.Sigma);
            }

            if (p.GetValue(report) is { } reportPath)
            {
                Keel.Reporting.HtmlReport.Write(reportPath, new Keel.Reporting.ReportInput(outcome.Result, outcome.Design, outcome.Solution, outcome.FittedByCell));
            }

            CommandRunner.Emit(outcome, p.GetValue(common.Out), p.GetValue(common.Summary), diagnoseOnly: false);
            return outcome.Result.Converged ? ExitCodes.Success : ExitCodes.FitFailed;
        }));
        return command;
    }

}
