using System.CommandLine;
using Keel.Cli.Common;
using Keel.Pipeline;

namespace Keel.Cli.Diagnose;

/// <summary>keel diagnose DATA... --formula F: the diagnostics without the estimates.</summary>
internal static class DiagnoseCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var command = new Command("diagnose", "Rank, aliasing, conditioning, singletons and pure error, without estimates.");
        common.AddTo(command);
        command.SetAction(p => CommandRunner.Run(cancel =>
        {
            FitOptions options = common.Read(p, diagnoseOnly: true);
            var progress = new ProgressDisplay(p.GetValue(common.Quiet));
            FitOutcome outcome = FitPipeline.Run(options, progress, cancel);
            progress.Finish($"keel: rank {outcome.Result.Rank} of {outcome.Result.Parameters}");
            CommandRunner.Emit(outcome, p.GetValue(common.Out), p.GetValue(common.Summary), diagnoseOnly: true, cancel);
            return ExitCodes.Success;
        }));
        return command;
    }
}
