namespace Keel.Results;

/// <summary>
/// The assemblers' last step (ResultAssembler, RowResultAssembler): any NaN or infinity becomes null,
/// with a NON_FINITE warning naming the field, so a result never carries a non-finite number
/// silently; nothing changes a result after it (the writer and the public view only read it).
/// </summary>
internal static class ResultSanitizer
{
    /// <summary>The result with every non-finite number made null and named in a NON_FINITE warning (the same result when there is none).</summary>
    public static FitResult Sanitize(FitResult r)
    {
        var bad = new List<string>();
        List<CoefficientResult>? copied = null;  // made on the first bad value only
        for (int i = 0; i < r.Coefficients.Count; i++)
        {
            // The message is built only for a bad value: results may hold 500,000 coefficients.
            CoefficientResult c = r.Coefficients[i];
            bool badEstimate = c.Estimate is { } e && !double.IsFinite(e);
            bool badError = c.StdError is { } se && !double.IsFinite(se);
            if (badEstimate || badError)
            {
                copied ??= [.. r.Coefficients];
                copied[i] = c with
                {
                    Estimate = badEstimate ? Check(c.Estimate, $"estimate of {c.Name}", bad) : c.Estimate,
                    StdError = badError ? Check(c.StdError, $"std_error of {c.Name}", bad) : c.StdError,
                };
            }
        }

        r = r with
        {
            Coefficients = copied ?? r.Coefficients,
            Rss = Check(r.Rss, "rss", bad),
            Tss = Check(r.Tss, "tss", bad),
            RSquared = Check(r.RSquared, "r_squared", bad),
            AdjRSquared = Check(r.AdjRSquared, "adj_r_squared", bad),
            Sigma = Check(r.Sigma, "sigma", bad),
            PureErrorSs = Check(r.PureErrorSs, "pure_error_ss", bad),
            ConditionNumber = Check(r.ConditionNumber, "condition_number", bad),
        };
        return bad.Count == 0
            ? r
            : r with { Warnings = [.. r.Warnings, new FitWarning(WarningCodes.NonFinite, $"{bad.Count} value(s) did not fit in a double and are null: {string.Join(", ", bad.Take(5))}{(bad.Count > 5 ? ", ..." : string.Empty)}")] };
    }

    private static double? Check(double? value, string what, List<string> bad)
    {
        if (value is { } v && !double.IsFinite(v))
        {
            bad.Add(what);
            return null;
        }

        return value;
    }
}
