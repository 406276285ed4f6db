using System.Text;
using System.Text.Json;
using Keel.Api;
using Keel.Results;

namespace Keel;

/// <summary>
/// The result of a fit (or a diagnosis): coefficients in design order, diagnostics, warnings, fit
/// statistics and the fingerprint. It is the contract's result JSON in object form:
/// <see cref="ToJson"/> gives that JSON, and <see cref="FromJson"/> reads it back to an equal result.
/// </summary>
public sealed class RegressionResult
{
    private readonly FitResult _result;
    private readonly bool _diagnoseOnly;
    private string? _json;

    // A view of the result the pipeline assembled (KeelRegression) or of one read back from its JSON
    // (FromJson): the JSON is written by ResultJson.Write and read by ResultJsonReader.Read, one pair.
    private RegressionResult(FitResult result, bool diagnoseOnly, string? json)
    {
        _result = result;
        _diagnoseOnly = diagnoseOnly;
        _json = json;
        Fingerprint = diagnoseOnly ? null : Results.Fingerprint.Of(result.Coefficients.Select(c => c.Estimate));
        Coefficients = _result.Coefficients.Select(c => new Coefficient
        {
            Name = c.Name,
            Term = c.Term,
            Level = c.Level,
            Estimate = c.Estimate,
            StdError = c.StdError,
            ExpEstimate = c.ExpEstimate,
            Status = c.Status,
            AliasedWith = c.AliasedWith ?? [],
            AliasExplanation = c.AliasExplanation,
        }).ToList();
        Diagnostics = new RegressionDiagnostics
        {
            Parameters = _result.Parameters,
            Rank = _result.Rank,
            ConditionNumber = _result.ConditionNumber,
            ConditionMethod = _result.ConditionMethod,
            Aliased = Coefficients.Where(c => c.Status == CoefficientStatus.Aliased).Select(c => c.Name).ToList(),
            SingletonLevels = _result.SingletonLevels,
        };
        Warnings = _result.Warnings.Select(w => new RegressionWarning { Code = w.Code, Message = w.Message }).ToList();
        Statistics = _diagnoseOnly ? null : new FitStatistics
        {
            ResidualSumOfSquares = _result.Rss,
            TotalSumOfSquares = _result.Tss,
            RSquared = _result.RSquared,
            AdjustedRSquared = _result.AdjRSquared,
            Sigma = _result.Sigma,
            ResidualDegreesOfFreedom = _result.DfResidual,
            PureErrorSumOfSquares = _result.PureErrorSs,
        };
    }

    /// <summary>The formula as given.</summary>
    public string Formula => _result.Formula;

    /// <summary>Rows read, over all inputs.</summary>
    public long Rows => _result.Rows;

    /// <summary>Cells: distinct combinations of the regressors, each holding exact sums of its rows.</summary>
    public int Cells => _result.Cells;

    /// <summary>Rows dropped for a missing or invalid value (a <c>DROPPED_ROWS</c> warning says which).</summary>
    public long DroppedRows => _result.DroppedRows;

    /// <summary>The solver that ran (<c>qr</c>, <c>lsmr</c>, ...), or <see langword="null"/> for a diagnosis.</summary>
    public string? Solver => _result.SolverName;

    /// <summary>Why that solver was chosen, in words.</summary>
    public string? SolverReason => _result.SolverReason;

    /// <summary>False when the solver stopped before converging (a <c>NOT_CONVERGED</c> warning says why).</summary>
    public bool Converged => _result.Converged;

    /// <summary>Iterations of an iterative solver; <see langword="null"/> for a direct one.</summary>
    public int? Iterations => _result.Iterations;

    /// <summary>Every column of the design in design order, reference levels and aliased columns included.</summary>
    public IReadOnlyList<Coefficient> Coefficients { get; }

    /// <summary>Rank, aliasing, condition number and singleton levels.</summary>
    public RegressionDiagnostics Diagnostics { get; }

    /// <summary>Warnings, each with a stable code; empty when there is nothing to say.</summary>
    public IReadOnlyList<RegressionWarning> Warnings { get; }

    /// <summary>Goodness of fit; <see langword="null"/> for a diagnosis, which does not solve.</summary>
    public FitStatistics? Statistics { get; }

    /// <summary>
    /// SHA-256 (lower-case hex) of the estimates' IEEE-754 bits in design order: two fits agree bit for
    /// bit exactly when their fingerprints agree. <see langword="null"/> for a diagnosis.
    /// </summary>
    public string? Fingerprint { get; }

    /// <summary>Reads a result JSON written by <see cref="ToJson"/> or by <c>keel fit</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The result; its <see cref="ToJson"/> gives back <paramref name="json"/>.</returns>
    /// <exception cref="KeelInputException">The text is not a Keel result.</exception>
    public static RegressionResult FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new KeelInputException($"not a Keel result: the JSON does not parse ({e.Message})", e);
        }

        using (document)
        {
            (FitResult result, bool diagnoseOnly) = ResultJsonReader.Read(document.RootElement);
            return new RegressionResult(result, diagnoseOnly, json);
        }
    }

    /// <summary>The result JSON of the contract (numbers in shortest round-trip form).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => _json ??= Write();

    /// <summary>Writes the result JSON, UTF-8 encoded, to a stream (left open).</summary>
    /// <param name="stream">Where to write.</param>
    public void WriteJson(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Encoding.UTF8.GetBytes(ToJson()));
    }

    /// <summary>A plain-text summary in the style of R's <c>summary.lm</c>: warnings, the coefficient table, the fit statistics.</summary>
    /// <returns>The summary, several lines.</returns>
    public string Summary() => SummaryText.Render(_result, _diagnoseOnly);

    /// <summary>The formula and the headline numbers, on one line.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Formula}: {Rows} rows, {Cells} cells, rank {Diagnostics.Rank} of {Diagnostics.Parameters}{(Statistics?.RSquared is { } r2 ? $", R² {r2:G6}" : string.Empty)}");

    /// <summary>The view of an assembled result as it is (the assemblers sanitise it: no NaN or infinity), no JSON round trip.</summary>
    internal static RegressionResult Of(FitResult result, bool diagnoseOnly) => new(result, diagnoseOnly, json: null);

    private string Write()
    {
        using var buffer = new MemoryStream();
        ResultJson.Write(_result, buffer, _diagnoseOnly);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
