using System.Text;
using System.Text.Json;
using Keel.Pipeline;
using Keel.Results;

namespace Keel.Tests.TestSupport;

/// <summary>The tests' one way to fit CSV text through the whole pipeline: a temporary file, then FitPipeline.Run.</summary>
internal static class CsvFit
{
    /// <summary>Writes <paramref name="csv"/> to a temporary file and fits it with <paramref name="options"/> (its Inputs replaced by that file).</summary>
    public static FitOutcome Run(string csv, FitOptions options)
    {
        using var file = new TempCsv(csv);
        return FitPipeline.Run(options with { Inputs = [file.Path] });
    }

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
