using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Keel.Results;

/// <summary>
/// Writes the result JSON of the contract (../shared/spec/cli.md). Numbers are written in shortest
/// round-trip form, so parsing the text gives back the same double bit for bit; a non-finite value
/// is never written as a number (the assemblers end with <see cref="ResultSanitizer"/>, which turns it
/// into null with a warning; the writer changes nothing).
/// </summary>
internal static class ResultJson
{
    public const string Version = "0.1.0";

    // Only what JSON itself requires is escaped (quote, backslash, control characters): "+", "'",
    // "<" and non-ASCII letters are written as themselves, so a formula reads as typed. "Unsafe" in
    // the encoder's name is about pasting the text into HTML unescaped; the report never does that
    // (it escapes everything it embeds for HTML).
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(FitResult r, Stream stream, bool diagnoseOnly = false)
    {
        // Results with many coefficients (a level per row of a large factor) are written without
        // indentation: a third fewer bytes, and their coefficients can be formatted in parallel.
        JsonWriterOptions options = WriterOptions;
        options.Indented = r.Coefficients.Count <= IndentedUpTo;
        using var w = new Utf8JsonWriter(stream, options);
        w.WriteStartObject();
        w.WriteString("keel", Version);
        w.WriteString("formula", r.Formula);
        w.WriteStartObject("data");
        w.WriteNumber("rows", r.Rows);
        w.WriteNumber("cells", r.Cells);
        w.WriteNumber("dropped_rows", r.DroppedRows);
        w.WriteNumber("cells_with_replicates", r.CellsWithReplicates);
        w.WriteEndObject();
        if (!diagnoseOnly)
        {
            w.WriteStartObject("solver");
            w.WriteString("name", r.SolverName);
            w.WriteBoolean("converged", r.Converged);
            WriteNumber(w, "iterations", r.Iterations);
            WriteNumber(w, "tolerance", r.Tolerance);
            w.WriteString("stop_reason", r.StopReason);
            w.WriteString("reason", r.SolverReason);
            w.WriteNumber("threads", r.Threads);
            if (r.Penalty is { } penalty)
            {
                WritePenalty(w, penalty);
            }

            w.WriteEndObject();
        }

        var clock = new SubStageClock("json");
        WriteCoefficients(w, stream, options, r, diagnoseOnly);
        clock.Lap("coefficients");
        WriteDiagnostics(w, r);
        if (!diagnoseOnly)
        {
            w.WriteStartObject("fit");
            WriteNumber(w, "rss", r.Rss);
            WriteNumber(w, "tss", r.Tss);
            WriteNumber(w, "r_squared", r.RSquared);
            WriteNumber(w, "adj_r_squared", r.AdjRSquared);
            WriteNumber(w, "sigma", r.Sigma);
            WriteNumber(w, "df_residual", r.DfResidual);
            WriteNumber(w, "pure_error_ss", r.PureErrorSs);
            w.WriteString("std_error_type", r.StdErrorType);
            WriteNumber(w, "clusters", r.Clusters);
            WriteFTest(w, "f_test", r.ModelF);
            WriteFTest(w, "lack_of_fit", r.LackOfFit);
            if (r.Glm is { } glm)
            {
                WriteLikelihood(w, glm);
            }

            w.WriteEndObject();
        }

        clock.Lap("diagnostics and fit");
        if (r.Model is { } model)
        {
            ModelSpecJson.Write(w, model);
        }

        clock.Lap("model");

        if (!diagnoseOnly)
        {
            w.WriteString("fingerprint", Fingerprint.Of(r.Coefficients.Select(c => c.Estimate)));
        }

        w.WriteEndObject();
        w.Flush();
        stream.WriteByte((byte)'\n');
        clock.Lap("fingerprint and flush");
    }

    /// <summary>Shortest round-trip text of a finite double (invariant culture).</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // Property names and statuses encoded once: a result may list 500,000 coefficients.
    private static readonly JsonEncodedText NameProperty = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText TermProperty = JsonEncodedText.Encode("term");
    private static readonly JsonEncodedText LevelProperty = JsonEncodedText.Encode("level");
    private static readonly JsonEncodedText EstimateProperty = JsonEncodedText.Encode("estimate");
    private static readonly JsonEncodedText StdErrorProperty = JsonEncodedText.Encode("std_error");
    private static readonly JsonEncodedText ExpEstimateProperty = JsonEncodedText.Encode("exp_estimate");
    private static readonly JsonEncodedText StatusProperty = JsonEncodedText.Encode("status");
    private static readonly Dictionary<CoefficientStatus, JsonEncodedText> StatusText = Enum.GetValues<CoefficientStatus>().ToDictionary(s => s, s => JsonEncodedText.Encode(s.ToString().ToLowerInvariant()));

    /// <summary>Results with more coefficients than this are written without indentation.</summary>
    public const int IndentedUpTo = 10_000;

    // A block's text (about 100 bytes a coefficient) stays below the large-object threshold (85,000
    // bytes) in a 64 KB buffer: the buffers are young objects, and their garbage costs no full collection.
    private const int CoefficientsPerBlock = 384;
    private const int BlockBufferBytes = 1 << 16;

    private static void WriteCoefficients(Utf8JsonWriter w, Stream stream, JsonWriterOptions options, FitResult r, bool diagnoseOnly)
    {
        w.WriteStartArray("coefficients");
        if (!options.Indented)
        {
            // Blocks of coefficients formatted in parallel, each as the compact writer would write
            // it (an array whose brackets are dropped), then written in order: the same bytes.
            w.Flush();
            int blocks = (r.Coefficients.Count + CoefficientsPerBlock - 1) / CoefficientsPerBlock;
            // The 16 buffers of a batch are reused by every batch: allocated anew per block (a megabyte
            // each, for 8,192 coefficients) they were large objects whose garbage cost full collections
            // (fixest's 10M shape: a third of the write in collector pauses).
            var text = new System.Buffers.ArrayBufferWriter<byte>[Math.Min(16, blocks)];
            for (int first = 0; first < blocks; first += 16)
            {
                int count = Math.Min(16, blocks - first);
                Parallel.For(0, count, b =>
                {
                    System.Buffers.ArrayBufferWriter<byte> buffer = text[b] ??= new System.Buffers.ArrayBufferWriter<byte>(BlockBufferBytes);
                    buffer.ResetWrittenCount();
                    using (var block = new Utf8JsonWriter(buffer, options))
                    {
                        block.WriteStartArray();
                        int end = Math.Min(r.Coefficients.Count, (first + b + 1) * CoefficientsPerBlock);
                        for (int i = (first + b) * CoefficientsPerBlock; i < end; i++)
                        {
                            WriteCoefficient(block, r, r.Coefficients[i], diagnoseOnly);
                        }

                        block.WriteEndArray();
                    }
                });
                for (int b = 0; b < count; b++)
                {
                    if (first + b > 0)
                    {
                        stream.WriteByte((byte)',');
                    }

                    ReadOnlySpan<byte> inner = text[b].WrittenSpan;
                    stream.Write(inner[1..^1]);
                }
            }

            w.WriteEndArray();
            return;
        }

        foreach (CoefficientResult c in r.Coefficients)
        {
            WriteCoefficient(w, r, c, diagnoseOnly);
            if (w.BytesPending > FlushBytes)
            {
                // A writer over a stream buffers everything until flushed: 390k coefficients are
                // ~120 MB of text, which would otherwise sit in memory (and its doubling copies).
                w.Flush();
            }
        }

        w.WriteEndArray();
    }

    private static void WriteCoefficient(Utf8JsonWriter w, FitResult r, CoefficientResult c, bool diagnoseOnly)
    {
        w.WriteStartObject();
        w.WriteString(NameProperty, c.Name);
        w.WriteString(TermProperty, c.Term);
        w.WriteString(LevelProperty, c.Level);
        WriteNumber(w, EstimateProperty, diagnoseOnly && c.Status != CoefficientStatus.Reference ? null : c.Estimate);
        WriteNumber(w, StdErrorProperty, diagnoseOnly ? null : c.StdError);
        if (r.ReportsExpEstimate && !diagnoseOnly)
        {
            WriteNumber(w, ExpEstimateProperty, c.ExpEstimate);
        }

        w.WriteString(StatusProperty, StatusText[c.Status]);
        if (c.AliasedWith is { } partners)
        {
            w.WriteStartArray("aliased_with");
            foreach (string p in partners)
            {
                w.WriteStringValue(p);
            }

            w.WriteEndArray();
            w.WriteString("explanation", c.AliasExplanation);
        }

        w.WriteEndObject();
    }

    private const int FlushBytes = 1 << 16;

    private static void WriteDiagnostics(Utf8JsonWriter w, FitResult r)
    {
        w.WriteStartObject("diagnostics");
        w.WriteNumber("parameters", r.Parameters);
        w.WriteNumber("rank", r.Rank);
        WriteNumber(w, "condition_number", r.ConditionNumber);
        w.WriteString("condition_method", r.ConditionMethod);
        w.WriteStartArray("aliased");
        foreach (CoefficientResult c in r.Coefficients.Where(c => c.Status == CoefficientStatus.Aliased))
        {
            w.WriteStringValue(c.Name);
        }

        w.WriteEndArray();
        w.WriteNumber("singleton_levels", r.SingletonLevels);
        w.WriteStartArray("near_dependencies");
        foreach ((double index, var involved) in r.NearDependencies)
        {
            w.WriteStartObject();
            WriteNumber(w, "condition_index", index);
            w.WriteStartArray("variance_proportions");
            foreach ((string name, double proportion) in involved)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                WriteNumber(w, "proportion", proportion);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("warnings");
        foreach (FitWarning warning in r.Warnings)
        {
            w.WriteStartObject();
            w.WriteString("code", warning.Code);
            w.WriteString("message", warning.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    // A poisson/binomial fit's family and deviances (docs/glm.md).
    private static void WriteLikelihood(Utf8JsonWriter w, GlmReport glm)
    {
        w.WriteString("family", Keel.Solvers.Glm.GlmFamilies.Name(glm.Family));
        w.WriteString("link", Keel.Solvers.Glm.GlmFamilies.Link(glm.Family));
        WriteNumber(w, "deviance", glm.Deviance);
        WriteNumber(w, "null_deviance", glm.NullDeviance);
        w.WriteString("deviance_of", glm.DevianceOfRows ? "rows" : "cells");
        w.WriteNumber("df_null", glm.DfNull);
        w.WriteNumber("separated_rows", glm.SeparatedRows);
    }

    // The penalised fit's λ and how it was chosen (objective: docs/penalized.md).
    private static void WritePenalty(Utf8JsonWriter w, Keel.Solvers.Penalized.PenaltyReport p)
    {
        WriteNumber(w, "lambda", p.Lambda);
        WriteNumber(w, "alpha", p.Alpha);
        WriteNumber(w, "lambda_max", p.LambdaMax);
        WriteNumber(w, "cv_folds", p.Folds);
        WriteNumber(w, "cv_error", p.CvError);
        WriteNumber(w, "lambda_1se", p.LambdaOneStandardError);
    }

    private static void WriteFTest(Utf8JsonWriter w, string name, FTest? test)
    {
        if (test is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        WriteNumber(w, "f", test.F);
        w.WriteNumber("df1", test.Df1);
        w.WriteNumber("df2", test.Df2);
        WriteNumber(w, "p_value", test.PValue);
        w.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter w, JsonEncodedText name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            // Shortest round-trip text ("R"), formatted straight to UTF-8: the same bytes as Number(v).
            Span<byte> text = stackalloc byte[32];
            w.WritePropertyName(name);
            w.WriteRawValue(v.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture) ? text[..written] : System.Text.Encoding.UTF8.GetBytes(Number(v)), skipInputValidation: true);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    internal static void WriteNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WritePropertyName(name);
            w.WriteRawValue(Number(v), skipInputValidation: true);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, int? value) => WriteNumber(w, name, (long?)value);
}
