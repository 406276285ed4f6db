using Keel.Pipeline;

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
}
