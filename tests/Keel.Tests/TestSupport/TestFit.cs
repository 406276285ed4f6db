using System.Text;
using System.Text.Json;
using Keel.Pipeline;
using Keel.Results;

namespace Keel.Tests.TestSupport;

/// <summary>
/// The fit pipeline on CSV text: the text is written to a temporary file, fitted with the given
/// options (their <see cref="FitOptions.Inputs"/> replaced by that file) and the file deleted.
/// </summary>
internal static class TestFit
{
    public static FitOutcome Csv(string csv, FitOptions options)
    {
        using var file = new TempCsv(csv);
        return FitPipeline.Run(options with { Inputs = [file.Path] });
    }

    /// <summary>The pipeline's defaults for everything but the formula.</summary>
    public static FitOutcome Csv(string csv, string formula) => Csv(csv, Options(formula));

    /// <summary>Options naming only the formula (the inputs are filled in by <see cref="Csv(string, FitOptions)"/>).</summary>
    public static FitOptions Options(string formula) => new() { Formula = formula, Inputs = [] };

    /// <summary>The result's JSON as the command writes it, checked strict: no NaN or infinity, and it parses.</summary>
    public static string StrictJson(FitResult result)
    {
        using var stream = new MemoryStream();
        ResultJson.Write(result, stream);
        string json = Encoding.UTF8.GetString(stream.ToArray());
        Assert.DoesNotContain("NaN", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", json, StringComparison.Ordinal);
        using var strict = JsonDocument.Parse(json);
        return json;
    }
}
