using System.CommandLine;
using System.Globalization;
using Keel.Cli.Common;
using Keel.Compression;
using Keel.Model;
using Keel.Pipeline;

namespace Keel.Cli.Compress;

/// <summary>keel compress DATA... --formula F --out CELLS: write the exact sufficient statistics as a cells file.</summary>
internal static class CompressCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var command = new Command("compress", "Compress rows into cells (exact sufficient statistics) and write them as a cells file (.csv or .parquet) that keel fit --cells reads and merges.");
        common.AddTo(command);
        common.Out.Required = true;
        var family = new Option<string>("--family") { Description = "poisson: also keep Σw·y·log y per cell, so a poisson fit of the cells file reports the rows' deviance (and checks that targets are non-negative); gaussian (default) or binomial: the four sums only", DefaultValueFactory = _ => "gaussian" };
        command.Options.Add(family);
        command.SetAction(p => CommandRunner.Run(cancel =>
        {
            FitOptions options = common.Read(p, diagnoseOnly: false) with { Family = Fit.FitCommand.ParseFamily(p.GetValue(family) ?? "gaussian") };
            string outPath = p.GetValue(common.Out)!;
            Formula formula = FormulaParser.Parse(options.Formula);
            var progress = new ProgressDisplay(p.GetValue(common.Quiet));
            CellTable cells = FitPipeline.ReadCells(formula, options, progress, cancel);
            CellsFileWriter.Write(cells, outPath, cancel);
            progress.Finish(string.Create(CultureInfo.InvariantCulture, $"keel: {cells.Counts.RowsUsed:N0} rows, {cells.CellCount:N0} cells written to {outPath}"));
            return ExitCodes.Success;
        }));
        return command;
    }
}
