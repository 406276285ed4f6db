using System.Text.Json;
using Keel.Model;

namespace Keel.Results;

/// <summary>
/// The "model" object of the result JSON, written by a fit and read back by `keel predict`. Its
/// inner form is Keel's own (the contract promises only that predict finds what it needs):
/// <code>
/// "model": {
///   "formula": "y ~ region + city",
///   "columns": [ { "name": "city", "numeric": false, "distinct_values": 3, "levels": ["C1", "C2", "C3"] } ],
///   "terms": [ { "factors": [ { "column": "city", "categorical": true, "contrast": true, "reference": "C1" } ] } ],
///   "design": [ { "term": -1, "levels": [], "sub": 0 }, { "term": 0, "levels": ["C2"], "sub": 0 } ],
///   "aliasing_checked": true,
///   "dependencies": [ { "column": 4, "on": [2, 3], "coefficients": [1, 1] } ],
///   "covariance": { "columns": [0, 1, 2], "lower": [ ... ] },
///   "covariance_note": null
/// }
/// </code>
/// "design" is aligned with "coefficients"; column indexes are positions in "coefficients";
/// "covariance" is σ²(X'WX)⁻¹ over the kept columns, its lower triangle row by row.
/// </summary>
internal static class ModelSpecJson
{
    // Encoded once: the design lists every column (500,000 on fixest's benchmark shape).
    private static readonly JsonEncodedText TermProperty = JsonEncodedText.Encode("term");
    private static readonly JsonEncodedText LevelsProperty = JsonEncodedText.Encode("levels");
    private static readonly JsonEncodedText SubProperty = JsonEncodedText.Encode("sub");
    private static readonly JsonEncodedText ReferenceProperty = JsonEncodedText.Encode("reference");

    public static void Write(Utf8JsonWriter w, ModelSpec model)
    {
        w.WriteStartObject("model");
        w.WriteString("formula", model.Formula);
        w.WriteStartArray("columns");
        foreach ((string name, bool numeric, IReadOnlyList<string> labels) in model.Columns)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteBoolean("numeric", numeric);
            w.WriteNumber("distinct_values", labels.Count);
            WriteStrings(w, "levels", labels);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("terms");
        foreach (IReadOnlyList<FactorCoding> term in model.Terms)
        {
            w.WriteStartObject();
            w.WriteStartArray("factors");
            foreach (FactorCoding f in term)
            {
                w.WriteStartObject();
                w.WriteString("column", f.Column);
                w.WriteBoolean("categorical", f.IsCategorical);
                w.WriteBoolean("contrast", f.Contrast);
                w.WriteString("reference", f.ReferenceLevel);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("design");
        foreach (ModelDesignColumn c in model.Design)
        {
            w.WriteStartObject();
            w.WriteNumber(TermProperty, c.Term);
            w.WriteStartArray(LevelsProperty);
            for (int i = 0; i < c.Levels.Count; i++)
            {
                w.WriteStringValue(c.Levels[i]);
            }

            w.WriteEndArray();
            w.WriteNumber(SubProperty, c.Sub);
            if (c.Reference)
            {
                w.WriteBoolean(ReferenceProperty, true);
            }

            w.WriteEndObject();
            FlushWhenLarge(w);
        }

        w.WriteEndArray();
        w.WriteBoolean("aliasing_checked", model.AliasingChecked);
        w.WriteStartArray("dependencies");
        foreach ((int column, IReadOnlyList<(int Column, double Coefficient)> on) in model.Dependencies.OrderBy(kv => kv.Key))
        {
            w.WriteStartObject();
            w.WriteNumber("column", column);
            w.WriteStartArray("on");
            foreach ((int k, _) in on)
            {
                w.WriteNumberValue(k);
            }

            w.WriteEndArray();
            WriteDoubles(w, "coefficients", on.Select(t => t.Coefficient));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (model.Covariance is { } cov)
        {
            w.WriteStartObject("covariance");
            w.WriteStartArray("columns");
            foreach (int j in cov.Columns)
            {
                w.WriteNumberValue(j);
            }

            w.WriteEndArray();
            WriteDoubles(w, "lower", cov.PackedLower);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("covariance");
        }

        w.WriteString("covariance_note", model.CovarianceNote);
        w.WriteEndObject();
    }

    /// <summary>Reads the "model" object back; throws <see cref="KeelInputException"/> naming what is missing.</summary>
    public static ModelSpec Read(JsonElement model, string source)
    {
        try
        {
            var columns = model.GetProperty("columns").EnumerateArray()
                .Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("numeric").GetBoolean(), (IReadOnlyList<string>)Strings(c.GetProperty("levels"))))
                .ToList();
            var terms = model.GetProperty("terms").EnumerateArray()
                .Select(t => (IReadOnlyList<FactorCoding>)t.GetProperty("factors").EnumerateArray()
                    .Select(f => new FactorCoding(
                        f.GetProperty("column").GetString()!,
                        f.GetProperty("categorical").GetBoolean(),
                        f.GetProperty("contrast").GetBoolean(),
                        f.GetProperty("reference").GetString()))
                    .ToArray())
                .ToList();
            var design = model.GetProperty("design").EnumerateArray()
                .Select(c => new ModelDesignColumn(
                    c.GetProperty("term").GetInt32(),
                    Strings(c.GetProperty("levels")),
                    c.GetProperty("sub").GetInt32(),
                    c.TryGetProperty("reference", out JsonElement r) && r.GetBoolean()))
                .ToList();
            var dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>();
            foreach (JsonElement d in model.GetProperty("dependencies").EnumerateArray())
            {
                int[] on = d.GetProperty("on").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                double[] by = d.GetProperty("coefficients").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray();
                dependencies[d.GetProperty("column").GetInt32()] = on.Zip(by).ToList();
            }

            (int[], double[])? covariance = null;
            if (model.TryGetProperty("covariance", out JsonElement cov) && cov.ValueKind == JsonValueKind.Object)
            {
                covariance = (
                    cov.GetProperty("columns").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                    cov.GetProperty("lower").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray());
            }

            return new ModelSpec
            {
                Formula = model.GetProperty("formula").GetString()!,
                Columns = columns,
                Terms = terms,
                Design = design,
                Dependencies = dependencies,
                AliasingChecked = model.GetProperty("aliasing_checked").GetBoolean(),
                Covariance = covariance,
                CovarianceNote = model.TryGetProperty("covariance_note", out JsonElement note) ? note.GetString() : null,
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new KeelInputException($"{source}: the \"model\" object is incomplete ({e.Message}); refit with this version of keel", e);
        }
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    // A writer over a stream holds everything written until it is flushed: the model of fixest's
    // 10M shape lists 500,000 levels twice (40 MB of text), whose doubling buffers were large
    // objects and cost full collections. Flushing at 64 KB writes the same bytes.
    private static void FlushWhenLarge(Utf8JsonWriter w)
    {
        if (w.BytesPending > 1 << 16)
        {
            w.Flush();
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
            FlushWhenLarge(w);
        }

        w.WriteEndArray();
    }

    private static void WriteDoubles(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            // Finite by construction; should one not be, null (read back as NaN) rather than a made-up number.
            if (double.IsFinite(v))
            {
                w.WriteRawValue(ResultJson.Number(v), skipInputValidation: true);
            }
            else
            {
                w.WriteNullValue();
            }

            FlushWhenLarge(w);
        }

        w.WriteEndArray();
    }
}
