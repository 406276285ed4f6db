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
        command.SetAction(p => CommandRunner.Run(() =>
        {
            UnseenPolicy policy = (p.GetValue(unseen) ?? "error") switch
            {
                "error" => UnseenPolicy.Error,
                "reference" => UnseenPolicy.Reference,
                "null" => UnseenPolicy.Null,
                string other => throw new KeelInputException($"--unseen {other}: expected error, reference or null"),
            };
            PredictionModel model = PredictionModel.Load(p.GetValue(result)!);
            string? outPath = p.GetValue(output);
            // Written to a temporary file first: a run that stops on bad input (exit 2) leaves no half
            // CSV, neither under the --out name nor on stdout.
            string temporary = outPath is null ? Path.Combine(Path.GetTempPath(), $"keel-predict-{Guid.NewGuid():N}.csv") : outPath + ".partial";
            long rows = 0;
            bool first = true;
            try
            {
                using (TextWriter writer = new StreamWriter(temporary, false, new UTF8Encoding(false)))
                {
                    foreach (string file in InputResolver.Resolve(p.GetValue(data) ?? []))
                    {
                        using ITabularSource source = InputResolver.Open(file);
                        rows += model.Run(source, writer, policy, header: first);
                        first = false;
                    }
                }

                if (outPath is not null)
                {
                    File.Move(temporary, outPath, overwrite: true);
                }
                else
                {
                    using FileStream written = File.OpenRead(temporary);
                    using Stream stdout = Console.OpenStandardOutput();
                    written.CopyTo(stdout);
                }
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
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
}
