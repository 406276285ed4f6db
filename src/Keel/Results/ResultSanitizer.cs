namespace Keel.Results;

/// <summary>
/// The assemblers' last step (ResultAssembler, RowResultAssembler): any NaN or infinity becomes null,
/// with a NON_FINITE warning naming the field, so a result never carries a non-finite number
/// silently; nothing changes a result after it (the writer and the public view only read it).
/// </summary>
internal static class ResultSanitizer
{
    public static void Sanitize(FitResult r)
    {
        var bad = new List<string>();
        foreach (CoefficientResult c in r.Coefficients)
        {
            // The message is built only for a bad value: results may hold 500,000 coefficients.
            if (c.Estimate is { } e && !double.IsFinite(e))
            {
                c.Estimate = Check(e, $"estimate of {c.Name}", bad);
            }

            if (c.StdError is { } se && !double.IsFinite(se))
            {
                c.StdError = Check(se, $"std_error of {c.Name}", bad);
            }
        }

        r.Rss = Check(r.Rss, "rss", bad);
        r.Tss = Check(r.Tss, "tss", bad);
        r.RSquared = Check(r.RSquared, "r_squared", bad);
        r.AdjRSquared = Check(r.AdjRSquared, "adj_r_squared", bad);
        r.Sigma = Check(r.Sigma, "sigma", bad);
        r.PureErrorSs = Check(r.PureErrorSs, "pure_error_ss", bad);
        r.ConditionNumber = Check(r.ConditionNumber, "condition_number", bad);
        if (bad.Count > 0)
        {
            r.Warnings.Add(new FitWarning(WarningCodes.NonFinite, $"{bad.Count} value(s) did not fit in a double and are null: {string.Join(", ", bad.Take(5))}{(bad.Count > 5 ? ", ..." : string.Empty)}"));
        }
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
