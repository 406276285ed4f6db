using System.Globalization;
using System.Text;
using System.Text.Json;
using Keel.Data;
using Keel.Model;
using Keel.Results;

namespace Keel.Prediction;

/// <summary>What a categorical level never seen in fitting gets.</summary>
internal enum UnseenPolicy
{
    /// <summary>Stop with bad input (exit 2), naming the column, the level and the line.</summary>
    Error,

    /// <summary>Treat the level as the factor's reference level (the baseline).</summary>
    Reference,

    /// <summary>Write the row with an empty prediction and std_error, estimable false.</summary>
    Null,
}

/// <summary>A fit's result read back for prediction.</summary>
internal sealed class PredictionModel
{
    private PredictionModel(ModelSpec spec, Formula formula, IReadOnlyList<double?> estimates)
    {
        Spec = spec;
        Formula = formula;
        Coder = new RowCoder(spec, formula);
        Predictor = new Predictor(spec, estimates);
    }

    public ModelSpec Spec { get; }

    /// <summary>
    /// The likelihood the result was fitted with (its fit.family; gaussian when absent). For poisson
    /// and binomial the prediction is the mean μ = g⁻¹(x'b + offset) on the response scale, with the
    /// delta-method standard error |dμ/dη|·sqrt(x'Cx) = V(μ)·sqrt(x'Cx) for the canonical links (R's
    /// predict(fit, newdata, type = "response", se.fit = TRUE)).
    /// </summary>
    public Keel.Solvers.Glm.GlmFamily Family { get; private init; } = Keel.Solvers.Glm.GlmFamily.Gaussian;

    public Formula Formula { get; }

    public RowCoder Coder { get; }

    public Predictor Predictor { get; }

    /// <summary>Reads a result file written by `keel fit`.</summary>
    public static PredictionModel Load(string path)
    {
        JsonDocument document;
        try
        {
            using FileStream file = File.OpenRead(path);
            document = JsonDocument.Parse(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw KeelInputException.InFile(path, $"cannot open the result file ({e.Message})", e);
        }
        catch (JsonException e)
        {
            throw KeelInputException.InFile(path, $"not a result JSON file ({e.Message})", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out JsonElement model) || !root.TryGetProperty("coefficients", out JsonElement coefficients))
            {
                throw KeelInputException.InFile(path, $"no \"model\" and \"coefficients\" in this file; predict needs the result JSON of keel fit");
            }

            ModelSpec spec = ModelSpecJson.Read(model, path);
            var estimates = coefficients.EnumerateArray()
                .Select(c => c.GetProperty("estimate") is { ValueKind: JsonValueKind.Number } e ? e.GetDouble() : (double?)null)
                .ToList();
            return new PredictionModel(spec, FormulaParser.Parse(spec.Formula), estimates) { Family = FamilyOf(root, path) };
        }
    }

    // fit.family of the result JSON (written by keel fit for every fit with --family).
    private static Keel.Solvers.Glm.GlmFamily FamilyOf(JsonElement root, string path)
    {
        if (!root.TryGetProperty("fit", out JsonElement fit) || fit.ValueKind != JsonValueKind.Object
            || !fit.TryGetProperty("family", out JsonElement family) || family.ValueKind != JsonValueKind.String)
        {
            return Keel.Solvers.Glm.GlmFamily.Gaussian;
        }

        return family.GetString() switch
        {
            "gaussian" => Keel.Solvers.Glm.GlmFamily.Gaussian,
            "poisson" => Keel.Solvers.Glm.GlmFamily.Poisson,
            "binomial" => Keel.Solvers.Glm.GlmFamily.Binomial,
            string other => throw KeelInputException.InFile(path, $"fit.family '{other}' is not a family this Keel predicts (gaussian, poisson, binomial)"),
            _ => Keel.Solvers.Glm.GlmFamily.Gaussian,
        };
    }

    /// <summary>Predicts every row of <paramref name="source"/> and writes the CSV of the contract; returns the number of rows.</summary>
    public long Run(ITabularSource source, TextWriter output, UnseenPolicy unseen, bool header = true)
    {
        IReadOnlyList<string> names = source.ColumnNames;
        var ordinalOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string column in Coder.Columns)
        {
            int ordinal = IndexOf(names, column);
            ordinalOf[column] = ordinal >= 0
                ? ordinal
                : throw KeelInputException.InFile(source.Name, $"no column named '{column}', which the formula {Spec.Formula} needs (columns: {string.Join(", ", names.Take(12))})");
        }

        int offsetOrdinal = -1;
        if (Formula.Offset is { } offset)
        {
            offsetOrdinal = IndexOf(names, offset.Column);
            if (offsetOrdinal < 0)
            {
                throw KeelInputException.InFile(source.Name, $"no column named '{offset.Column}', which the formula's {offset.Label} needs (the prediction is the mean at that exposure)");
            }
        }

        if (header)
        {
            output.Write(string.Join(',', names.Select(Quote).Concat(["prediction", "std_error", "estimable"])));
            output.Write('\n');
        }

        var row = new Dictionary<string, (string Label, double Number)>(StringComparer.Ordinal);
        var line = new StringBuilder();
        long count = 0;
        while (source.Read())
        {
            count++;
            line.Clear();
            for (int i = 0; i < names.Count; i++)
            {
                line.Append(i > 0 ? "," : string.Empty).Append(Quote(i < source.FieldCount ? source.GetField(i).ToString() : string.Empty));
            }

            PredictedValue? value = PredictRow(source, ordinalOf, row, unseen);
            if (value is { } linear && (offsetOrdinal >= 0 || Family != Keel.Solvers.Glm.GlmFamily.Gaussian))
            {
                value = OnResponseScale(source, linear, offsetOrdinal);
            }

            line.Append(',').Append(Format(value?.Prediction))
                .Append(',').Append(Format(value?.StdError))
                .Append(',').Append(value is { Estimable: true } ? "true" : "false").Append('\n');
            output.Write(line);
        }

        return count;
    }

    private PredictedValue? PredictRow(ITabularSource source, Dictionary<string, int> ordinalOf, Dictionary<string, (string, double)> row, UnseenPolicy unseen)
    {
        row.Clear();
        foreach ((string column, int ordinal) in ordinalOf)
        {
            string field = ordinal < source.FieldCount ? source.GetField(ordinal).ToString() : string.Empty;
            (LevelMatch match, string label) = Coder.Level(column, field);
            if (match == LevelMatch.Missing)
            {
                return null;
            }

            if (match == LevelMatch.Unseen && Coder.IsCategorical(column))
            {
                switch (unseen)
                {
                    case UnseenPolicy.Null:
                        return null;
                    case UnseenPolicy.Reference:
                        label = Coder.ReferenceLevel(column) ?? label;
                        break;
                    default:
                        throw KeelInputException.At(source.Name, source.Line, column, $"level '{Clip(field)}' was never seen in fitting (use --unseen reference or --unseen null to predict anyway)");
                }
            }

            double number = double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : double.NaN;
            row[column] = (label, number);
        }

        CodedRow? coded = Coder.Code(row, out string? problem);
        return coded is null
            ? throw new KeelInputException($"{source.Name}, line {source.Line}, {problem}") { File = source.Name, Line = source.Line }
            : Predictor.Predict(coded);
    }

    // η = x'b + offset, then μ = g⁻¹(η) with se(μ) = V(μ)·se(η) (dμ/dη = V(μ) for a canonical link;
    // the offset is known, so it adds nothing to the variance). A missing offset gives an empty row.
    private PredictedValue? OnResponseScale(ITabularSource source, PredictedValue linear, int offsetOrdinal)
    {
        double offset = 0;
        if (offsetOrdinal >= 0)
        {
            string field = offsetOrdinal < source.FieldCount ? source.GetField(offsetOrdinal).ToString() : string.Empty;
            if (Keel.Compression.MissingValues.IsMissing(field))
            {
                return null;
            }

            Offset spec = Formula.Offset!;
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || (spec.Log && !(value > 0)))
            {
                throw KeelInputException.At(source.Name, source.Line, spec.Column, $"'{Clip(field)}' is not {(spec.Log ? "a positive number (offset(log(e)) needs a positive exposure)" : "a finite number")}");
            }

            offset = spec.Log ? Keel.LinearAlgebra.ElementaryFunctions.Log(value) : value;
        }

        if (linear.Prediction is not { } xb)
        {
            return linear;
        }

        double eta = xb + offset;
        if (Family == Keel.Solvers.Glm.GlmFamily.Gaussian)
        {
            return linear with { Prediction = eta };
        }

        double mu = Keel.Solvers.Glm.GlmFamilies.Mean(Family, eta);
        double? se = linear.StdError is { } s ? Keel.Solvers.Glm.GlmFamilies.Variance(Family, mu) * s : null;
        return linear with { Prediction = mu, StdError = se };
    }

    private static int IndexOf(IReadOnlyList<string> names, string column)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == column)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Format(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static string Clip(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
