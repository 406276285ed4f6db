using System.Text.Json;
using Keel.Results;

namespace Keel.Api;

/// <summary>
/// The inverse of <see cref="ResultJson"/>: reads the contract's JSON back into the internal result
/// (everything but <c>model</c>, which the text summary does not need). Unknown members are ignored,
/// so a result written by a newer Keel still reads.
/// </summary>
internal static class ResultJsonReader
{
    public static (FitResult Result, bool DiagnoseOnly) Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keel", out _) || !root.TryGetProperty("coefficients", out JsonElement coefficients))
        {
            throw new KeelInputException("not a Keel result: expected a JSON object with \"keel\" and \"coefficients\"");
        }

        JsonElement data = Member(root, "data");
        bool diagnoseOnly = !root.TryGetProperty("solver", out JsonElement solver) || solver.ValueKind != JsonValueKind.Object;
        JsonElement diagnostics = Member(root, "diagnostics");
        JsonElement fit = diagnoseOnly ? default : Member(root, "fit");
        var r = new FitResult
        {
            Formula = String(root, "formula") ?? string.Empty,
            Rows = Long(data, "rows") ?? 0,
            Cells = (int)(Long(data, "cells") ?? 0),
            DroppedRows = Long(data, "dropped_rows") ?? 0,
            CellsWithReplicates = Long(data, "cells_with_replicates") ?? 0,
            SolverName = diagnoseOnly ? null : String(solver, "name"),
            Converged = diagnoseOnly || (solver.TryGetProperty("converged", out JsonElement converged) && converged.ValueKind == JsonValueKind.True),
            Iterations = diagnoseOnly ? null : (int?)Long(solver, "iterations"),
            Tolerance = diagnoseOnly ? null : Double(solver, "tolerance"),
            StopReason = diagnoseOnly ? null : String(solver, "stop_reason"),
            SolverReason = diagnoseOnly ? null : String(solver, "reason"),
            Threads = diagnoseOnly ? 1 : (int)(Long(solver, "threads") ?? 1),
            Coefficients = coefficients.EnumerateArray().Select(c => new CoefficientResult
            {
                Name = String(c, "name") ?? string.Empty,
                Term = String(c, "term") ?? string.Empty,
                Level = String(c, "level"),
                Estimate = Double(c, "estimate"),
                StdError = Double(c, "std_error"),
                ExpEstimate = Double(c, "exp_estimate"),
                Status = Enum.TryParse(String(c, "status"), ignoreCase: true, out CoefficientStatus status) ? status : CoefficientStatus.Estimated,
                AliasedWith = c.TryGetProperty("aliased_with", out JsonElement partners) && partners.ValueKind == JsonValueKind.Array
                    ? partners.EnumerateArray().Select(p => p.GetString() ?? string.Empty).ToList()
                    : null,
                AliasExplanation = String(c, "explanation"),
            }).ToList(),
            Parameters = (int)(Long(diagnostics, "parameters") ?? 0),
            Rank = (int)(Long(diagnostics, "rank") ?? 0),
            ConditionNumber = Double(diagnostics, "condition_number"),
            ConditionMethod = String(diagnostics, "condition_method"),
            SingletonLevels = (int)(Long(diagnostics, "singleton_levels") ?? 0),
            NearDependencies = NearDependenciesOf(diagnostics),
            Warnings = WarningsOf(diagnostics),
            Rss = Double(fit, "rss"),
            Tss = Double(fit, "tss"),
            RSquared = Double(fit, "r_squared"),
            AdjRSquared = Double(fit, "adj_r_squared"),
            Sigma = Double(fit, "sigma"),
            DfResidual = Long(fit, "df_residual"),
            PureErrorSs = Double(fit, "pure_error_ss"),
            ModelF = FTestOf(fit, "f_test"),
            LackOfFit = FTestOf(fit, "lack_of_fit"),
        };
        return (r, diagnoseOnly);
    }

    private static List<(double, IReadOnlyList<(string, double)>)> NearDependenciesOf(JsonElement d)
    {
        var result = new List<(double, IReadOnlyList<(string, double)>)>();
        if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty("near_dependencies", out JsonElement near) && near.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement n in near.EnumerateArray())
            {
                List<(string, double)> involved = Member(n, "variance_proportions") is { ValueKind: JsonValueKind.Array } list
                    ? list.EnumerateArray().Select(v => (String(v, "name") ?? string.Empty, Double(v, "proportion") ?? double.NaN)).ToList()
                    : [];
                result.Add((Double(n, "condition_index") ?? double.NaN, involved));
            }
        }

        return result;
    }

    private static List<FitWarning> WarningsOf(JsonElement d) =>
        d.ValueKind == JsonValueKind.Object && d.TryGetProperty("warnings", out JsonElement warnings) && warnings.ValueKind == JsonValueKind.Array
            ? warnings.EnumerateArray().Select(w => new FitWarning(String(w, "code") ?? string.Empty, String(w, "message") ?? string.Empty)).ToList()
            : [];

    private static FTest? FTestOf(JsonElement parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.Object } t
            ? new FTest(Double(t, "f") ?? double.NaN, Long(t, "df1") ?? 0, Long(t, "df2") ?? 0, Double(t, "p_value") ?? double.NaN)
            : null;

    private static JsonElement Member(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement value) ? value : default;

    private static string? String(JsonElement parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    // The writer uses shortest round-trip text, so GetDouble gives back the same bits.
    private static double? Double(JsonElement parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;

    private static long? Long(JsonElement parent, string name) =>
        Member(parent, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out long v) ? v : null;
}
