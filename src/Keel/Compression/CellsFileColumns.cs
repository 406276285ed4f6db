using System.Globalization;
using System.Numerics;

namespace Keel.Compression;

/// <summary>
/// The columns of a cells file: the regressor columns by their own names, then the contract's four
/// statistics, then (Keel's documented extension, docs/data-sources.md) the exact value of each sum.
/// </summary>
internal static class CellsFileColumns
{
    /// <summary>Exact Σw, Σw·y, Σw·y² as text (see <see cref="ExactSumText"/>); optional when reading.</summary>
    public static readonly string[] ExactColumns = ["keel_sum_w_exact", "keel_sum_wy_exact", "keel_sum_wy2_exact"];

    /// <summary>Σw·e^offset of a formula with offset(...) (poisson rates; docs/glm.md): written when the pass kept it, required to fit such a formula.</summary>
    public const string SumWExpOffset = "keel_sum_w_exp_offset";

    /// <summary>Σw·y·log y (keel compress --family poisson): written when the pass kept it; with it a poisson fit reports the rows' deviance.</summary>
    public const string SumWYLogY = "keel_sum_wy_log_y";

    /// <summary>The optional statistics with their exact twins (name, name + "_exact"), in the order written.</summary>
    public static readonly string[] Optional = [SumWExpOffset, SumWYLogY];

    /// <summary>True for a file name Keel writes as Parquet (else CSV).</summary>
    public static bool IsParquet(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// An exact sum as text: "<c>m</c>p<c>e</c>" meaning m·2^e with m a decimal integer (sign included) and
/// e a decimal exponent, e.g. "3p-1" = 1.5; "0" is zero. Lossless for every value ExactSum can hold,
/// and readable by any language with big integers.
/// </summary>
internal static class ExactSumText
{
    public static string Format(in ExactSum sum)
    {
        (BigInteger m, int e) = sum.ToExact();
        if (m.IsZero)
        {
            return "0";
        }

        // Canonical form: an odd significand, so equal values have equal text.
        int zeros = (int)BigInteger.TrailingZeroCount(m);
        m >>= zeros;
        e += zeros;
        return string.Create(CultureInfo.InvariantCulture, $"{m}p{e}");
    }

    public static bool TryParse(ReadOnlySpan<char> text, out ExactSum sum)
    {
        sum = default;
        text = text.Trim();
        if (text is "0")
        {
            return true;
        }

        int p = text.IndexOf('p');
        if (p <= 0
            || !BigInteger.TryParse(text[..p], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger m)
            || !int.TryParse(text[(p + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int e))
        {
            return false;
        }

        try
        {
            sum = ExactSum.FromExact(m, e);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
