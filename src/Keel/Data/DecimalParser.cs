using System.Globalization;
using System.Runtime.CompilerServices;

namespace Keel.Data;

/// <summary>
/// Reads a number field: plain decimals ("-12.375", "5.451124", "42") with at most 19 significant
/// digits whose value m·10^-k has m ≤ 2^53 and k ≤ 22 are converted by Clinger's fast path (Clinger,
/// "How to read floating point numbers accurately", PLDI 1990): m and 10^k are exact doubles, so one
/// IEEE division rounds the exact quotient once, to nearest even, which is the correctly rounded
/// value double.Parse also returns. Everything else (exponents, more digits, spaces, signs of
/// other forms, text) goes to double.TryParse. The bits are the same either way.
/// </summary>
internal static class DecimalParser
{
    /// <summary>10^0 … 10^22: the powers of ten that are exact doubles (Clinger's fast path; also Rows/Utf8Number).</summary>
    internal static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>As double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        if (TryParsePlain(text, out value))
        {
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParsePlain(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (text.Length > 0 && text[0] == '-')
        {
            negative = true;
            i = 1;
        }

        ulong m = 0;
        int digits = 0;
        int fraction = -1;
        for (; i < text.Length; i++)
        {
            uint d = (uint)(text[i] - '0');
            if (d < 10)
            {
                m = (m * 10) + d;
                digits++;
                if (fraction >= 0)
                {
                    fraction++;
                }

                continue;
            }

            if (text[i] != '.' || fraction >= 0)
            {
                return false;
            }

            fraction = 0;
        }

        int k = Math.Max(fraction, 0);
        // 19 digits cannot overflow 64 bits; beyond 2^53 or 10^22 the operands would not be exact.
        if (digits is 0 or > 19 || m > 1UL << 53 || k > 22)
        {
            return false;
        }

        double q = (double)m / PowersOfTen[k];
        value = negative ? -q : q;
        return true;
    }
}
