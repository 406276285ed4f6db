using System.CommandLine;
using System.Globalization;
using System.Text;
using Keel.Cli.Common;
using Keel.Data;
using Keel.Prediction;

namespace Keel.Cli.Predict;

/// <summary>keel predict RESULT.json DATA: predictions for new rows as CSV (the input's columns, then prediction, std_error, estimable).</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var result = new Argument<string>("result") { Description = "the result JSON written by keel fit" };
        var data = new Argument<string[]>("data") { Arity = ArgumentArity.OneOrMore, Description = "CSV files (.csv, .csv.gz), folders or globs of them, with the formula's regressor columns" };
        var output = new Option<string?>("--out", "-o") { Description = "write the CSV here instead of stdout" };
        var unseen = new Option<string>("--unseen") { Description = "a level never seen in fitting: error (default, exit 2 naming it), reference (use the reference level) or null (empty prediction)", DefaultValueFactory = _ => "error" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "no progress output" };
        var command = new Command("predict", "Predictions for new rows from a result JSON: CSV with prediction, std_error and estimable.");
        command.Arguments.Add(result);
        command.Arguments.Add(data);
        command.Options.Add(output);
        command.Options.Add(unseen);
        command.Options.Add(quiet);
        command.SetAction(p => CommandRunner.Run(cancel =>
        {
            UnseenPolicy policy = (p.GetValue(unseen) ?? "error") switch
            {
                "error" => UnseenPolicy.Error,
                "reference" => UnseenPolicy.Reference,
                "null" => UnseenPolicy.Null,
                string other => throw KeelInputException.ForOption("--unseen", $"--unseen {other}: expected error, reference or null"),
            };
            PredictionModel model = PredictionModel.Load(p.GetValue(result)!);
            string? outPath = p.GetValue(output);
            long rows = 0;
            void WriteAll(Stream stream)
            {
                using TextWriter writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                bool first = true;
                foreach (string file in InputResolver.Resolve(p.GetValue(data) ?? []))
                {
                    cancel.ThrowIfCancellationRequested();
                    using ITabularSource source = InputResolver.Open(file);
                    rows += model.Run(source, writer, policy, header: first);
                    first = false;
                }
            }

            // Nothing appears before the whole CSV is made, so a run that stops on bad input (exit 2)
            // or a signal leaves no half CSV: --out is written atomically, stdout gets a copy of a
            // complete scratch file.
            if (outPath is not null)
            {
                AtomicFile.Write(outPath, "--out", WriteAll, cancel);
            }
            else
            {
                using FileStream scratch = ScratchFile();
                WriteAll(scratch);
                scratch.Position = 0;
                try
                {
                    using Stream stdout = Console.OpenStandardOutput();
                    scratch.CopyTo(stdout);
                }
                catch (IOException e)
                {
                    throw AtomicFile.Failure("standard output", string.Empty, e);
                }
            }

            if (!p.GetValue(quiet))
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"keel: {rows:N0} rows predicted"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    // An unnamed temporary file: on Unix it is unlinked at once, so nothing is left however the
    // process ends; elsewhere it is deleted when closed.
    private static FileStream ScratchFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $".keel-predict-{Guid.NewGuid():N}.csv");
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
            if (!OperatingSystem.IsWindows())
            {
                File.Delete(path);
            }

            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw AtomicFile.Failure("temporary file", path, e);
        }
    }
}
