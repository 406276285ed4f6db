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
        var r = new FitResult
        {
            Formula = String(root, "formula") ?? string.Empty,
            Rows = Long(data, "rows") ?? 0,
            Cells = (int)(Long(data, "cells") ?? 0),
            DroppedRows = Long(data, "dropped_rows") ?? 0,
        };
        r.CellsWithReplicates = Long(data, "cells_with_replicates") ?? 0;
        if (!diagnoseOnly)
        {
            r.SolverName = String(solver, "name");
            r.Converged = solver.TryGetProperty("converged", out JsonElement converged) && converged.ValueKind == JsonValueKind.True;
            r.Iterations = (int?)Long(solver, "iterations");
            r.Tolerance = Double(solver, "tolerance");
            r.StopReason = String(solver, "stop_reason");
            r.SolverReason = String(solver, "reason");
            r.Threads = (int)(Long(solver, "threads") ?? 1);
        }

        foreach (JsonElement c in coefficients.EnumerateArray())
        {
            r.Coefficients.Add(new CoefficientResult
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
            });
        }

        ReadDiagnostics(Member(root, "diagnostics"), r);
        if (!diagnoseOnly)
        {
            JsonElement fit = Member(root, "fit");
            r.Rss = Double(fit, "rss");
            r.Tss = Double(fit, "tss");
            r.RSquared = Double(fit, "r_squared");
            r.AdjRSquared = Double(fit, "adj_r_squared");
            r.Sigma = Double(fit, "sigma");
            r.DfResidual = Long(fit, "df_residual");
            r.PureErrorSs = Double(fit, "pure_error_ss");
            r.ModelF = FTestOf(fit, "f_test");
            r.LackOfFit = FTestOf(fit, "lack_of_fit");
        }

        return (r, diagnoseOnly);
    }

    private static void ReadDiagnostics(JsonElement d, FitResult r)
    {
        r.Parameters = (int)(Long(d, "parameters") ?? 0);
        r.Rank = (int)(Long(d, "rank") ?? 0);
        r.ConditionNumber = Double(d, "condition_number");
        r.ConditionMethod = String(d, "condition_method");
        r.SingletonLevels = (int)(Long(d, "singleton_levels") ?? 0);
        if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty("near_dependencies", out JsonElement near) && near.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement n in near.EnumerateArray())
            {
                var involved = Member(n, "variance_proportions") is { ValueKind: JsonValueKind.Array } list
                    ? list.EnumerateArray().Select(v => (String(v, "name") ?? string.Empty, Double(v, "proportion") ?? double.NaN)).ToList()
                    : [];
                r.NearDependencies.Add((Double(n, "condition_index") ?? double.NaN, involved));
            }
        }

        if (d.ValueKind == JsonValueKind.Object && d.TryGetProperty("warnings", out JsonElement warnings) && warnings.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement w in warnings.EnumerateArray())
            {
                r.Warnings.Add(new FitWarning(String(w, "code") ?? string.Empty, String(w, "message") ?? string.Empty));
            }
        }
    }

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
