using Keel.Compression;
using Keel.LinearAlgebra;

namespace Keel.Model;

/// <summary>
/// One factor of a term, tied to its key column: either categorical (a level code per cell, with an
/// optional reference level) or continuous (one or more values per distinct value of the column:
/// x, log(x), x^k, or the powers 1..k of poly()).
/// </summary>
internal sealed class ResolvedFactor
{
    private ResolvedFactor(Factor source, int keyIndex, KeyColumn column, int referenceCode, DoubleDouble[][]? valuesByCode)
    {
        Source = source;
        KeyIndex = keyIndex;
        Column = column;
        ReferenceCode = referenceCode;
        ValuesByCode = valuesByCode;
    }

    public Factor Source { get; }

    public string Label => Source.Label;

    /// <summary>Index of the factor's column among the cell table's key columns.</summary>
    public int KeyIndex { get; }

    public KeyColumn Column { get; }

    public bool IsCategorical => ValuesByCode is null;

    /// <summary>The reference level's code for treatment coding (categorical factors).</summary>
    public int ReferenceCode { get; }

    /// <summary>
    /// Continuous values per key code, ValuesByCode[code][sub], in double-double: x^k and log x are
    /// kept to about 106 bits so refinement can solve the problem of the exact powers (null for categorical factors).
    /// </summary>
    public DoubleDouble[][]? ValuesByCode { get; }

    /// <summary>Number of design sub-columns a continuous factor spans (poly degree; else 1).</summary>
    public int SubColumns => ValuesByCode is null ? 1 : (Source is PolyFactor p ? p.Degree : 1);

    /// <summary>The name of sub-column <paramref name="sub"/> of a continuous factor.</summary>
    public string SubColumnName(int sub) => Source is PolyFactor ? $"{Label}[{sub + 1}]" : Label;

    public static ResolvedFactor Resolve(Factor factor, int keyIndex, KeyColumn column)
    {
        switch (factor)
        {
            case CategoricalFactor c:
                return new ResolvedFactor(factor, keyIndex, column, FindReferenceCode(column, c.ReferenceLevel, factor.Label), null);
            case VariableFactor when !column.IsNumeric:
                RequireNotMostlyNumeric(column);
                return new ResolvedFactor(factor, keyIndex, column, 0, null);
            case VariableFactor:
                return new ResolvedFactor(factor, keyIndex, column, -1, column.Values.Select(v => ContinuousValuesOf(factor, v)!).ToArray());
            case LogFactor:
                RequireNumeric(column, factor.Label);
                return new ResolvedFactor(factor, keyIndex, column, -1, LogValues(column, factor.Label));
            case PowerFactor or PolyFactor:
                RequireNumeric(column, factor.Label);
                return new ResolvedFactor(factor, keyIndex, column, -1, RequireFinite(column, factor, column.Values.Select(v => ContinuousValuesOf(factor, v)!).ToArray()));
            default:
                throw new KeelInputException($"formula: unsupported factor {factor.Label}");
        }
    }

    // A plain column name over text is categorical, as in R. But a column whose values are mostly
    // numbers with a stray word or an out-of-range number ('abc', '1e400') is almost surely numeric
    // data with a bad value: silently making each number a level would be a wrong model. Say where.
    private static void RequireNotMostlyNumeric(KeyColumn column)
    {
        int numbers = 0;
        int firstBad = -1;
        for (int code = 0; code < column.Count; code++)
        {
            bool isNumber = double.TryParse(column.Labels[code], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value);
            if (isNumber && double.IsFinite(value))
            {
                numbers++;
            }
            else if (firstBad < 0 || column.FirstLine[code] < column.FirstLine[firstBad])
            {
                firstBad = code;
            }
        }

        if (firstBad >= 0 && numbers >= column.Count - numbers)
        {
            string name = Data.MessageText.Quote(column.Name);
            throw KeelInputException.InColumn(name, column.FirstLine[firstBad], $"'{Data.MessageText.Quote(column.Labels[firstBad])}' is not a finite number, but {numbers} of the column's {column.Count} distinct values are; fix the value, or write C({name}) to treat the column as categorical");
        }
    }

    // A power of a value near the end of the double range has no double: say so, naming where.
    private static DoubleDouble[][] RequireFinite(KeyColumn column, Factor factor, DoubleDouble[][] values)
    {
        for (int code = 0; code < values.Length; code++)
        {
            if (values[code].Any(v => !double.IsFinite(v.Hi)))
            {
                throw KeelInputException.InColumn(column.Name, column.FirstLine[code], $"{factor.Label} of {Data.MessageText.Quote(column.Labels[code])} does not fit in a double; rescale the column (for example divide it by a power of ten)");
            }
        }

        return values;
    }

    /// <summary>
    /// The values a continuous factor gives the number <paramref name="x"/>, one per sub-column
    /// (x; log x; x^k; x, x², ..., x^k for poly), or null where undefined (log of x &lt;= 0) or
    /// for a categorical factor. The fit and prediction both code values through here.
    /// </summary>
    internal static DoubleDouble[]? ContinuousValuesOf(Factor factor, double x) => factor switch
    {
        VariableFactor => [DoubleDouble.FromDouble(x)],
        LogFactor => x > 0 ? [DoubleDouble.FromDouble(ElementaryFunctions.Log(x))] : null,
        PowerFactor p => [Power(x, p.Power)],
        PolyFactor p => Enumerable.Range(1, p.Degree).Select(k => Power(x, k)).ToArray(),
        _ => null,
    };

    /// <summary>
    /// x^k computed in double-double (each product exact through TwoProduct, then renormalised) and
    /// rounded once, so a degree-10 polynomial column keeps nearly all its digits instead of
    /// accumulating k roundings.
    /// </summary>
    internal static DoubleDouble Power(double x, int k)
    {
        DoubleDouble power = DoubleDouble.FromDouble(1.0);
        for (int i = 0; i < k; i++)
        {
            power = DoubleDouble.Multiply(power, x);
        }

        return power;
    }

    private static DoubleDouble[][] LogValues(KeyColumn column, string label)
    {
        var values = new DoubleDouble[column.Count][];
        for (int code = 0; code < column.Count; code++)
        {
            double x = column.Values[code];
            if (!(x > 0))
            {
                throw KeelInputException.InColumn(column.Name, column.FirstLine[code], $"{label} is undefined for {Data.MessageText.Quote(column.Labels[code])}; log() needs positive values");
            }

            values[code] = ContinuousValuesOf(new LogFactor(column.Name), x)!;
        }

        return values;
    }

    private static void RequireNumeric(KeyColumn column, string label)
    {
        if (!column.IsNumeric)
        {
            int code = 0;
            while (code < column.Count - 1 && double.TryParse(column.Labels[code], System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                code++;
            }

            throw KeelInputException.InColumn(column.Name, column.FirstLine[code], $"{label} needs numbers, but '{Data.MessageText.Quote(column.Labels[code])}' is text");
        }
    }

    private static int FindReferenceCode(KeyColumn column, string? reference, string label)
    {
        if (reference is null)
        {
            return 0;
        }

        int code = Array.IndexOf(column.Labels, reference);
        if (code < 0 && column.IsNumeric && double.TryParse(reference, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value))
        {
            code = Array.IndexOf(column.Values, value + 0.0);
        }

        if (code < 0)
        {
            string some = string.Join(", ", column.Labels.Take(8).Select(l => Data.MessageText.Quote(l))) + (column.Count > 8 ? ", ..." : string.Empty);
            throw new KeelInputException($"formula: reference level \"{Data.MessageText.Quote(reference)}\" of {label} does not occur in column '{column.Name}' (levels: {some})");
        }

        return code;
    }
}
