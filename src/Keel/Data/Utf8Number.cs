// Utf8Number: reads a decimal field straight from UTF-8 bytes, with the bits double.Parse gives.
//
// References: Clinger (1990), "How to read floating point numbers accurately", PLDI: when the
//   significand w (≤ 2^53) and 10^k (k ≤ 22) are exact doubles, one IEEE division or multiplication
//   rounds the exact value once, so it is correctly rounded. Dekker (1971) / Ogita, Rump & Oishi
//   (2005): with a fused multiply-add, q1·p = prod + err exactly (TwoProduct), so the remainder
//   w − q1·p and with it the next partial quotient are known to about 2^-104 relative.
// Invariant: TryParse returns true with exactly double.Parse's value (NumberStyles.Float, invariant
//   culture), or false where double.Parse fails. Significands of up to 18 digits with 10^-22 ≤ scale
//   are decided here: the double-double quotient q1 + q2 (2^-95 relative error bound, generous) is
//   rounded to s; s is the correctly rounded value unless the exact quotient lies within that bound
//   of a midpoint between s and a neighbour, and those rare cases, and every other form, go to
//   double.Parse. The fast paths use only correctly rounded IEEE operations (division,
//   multiplication, FMA), so they give the same bits on every CPU.
// Cost: one pass over the bytes, a division and a few flops; no allocation.
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Keel.Data;

internal static class Utf8Number
{
    /// <summary>As double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) over UTF-8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(ReadOnlySpan<byte> text, out double value) =>
        TryParseDecimal(text, out value) || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>The fast paths only; false sends the caller to double.Parse (tests compare both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryParseDecimal(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && (s[0] == (byte)'-' || s[0] == (byte)'+'))
        {
            negative = s[0] == (byte)'-';
            i = 1;
        }

        ulong w = 0;
        int digits = 0;
        int exponent = 0;
        bool any = false;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9)
            {
                break;
            }

            any = true;
            if (w == 0 && d == 0)
            {
                continue;
            }

            if (++digits > 18)
            {
                return false;
            }

            w = (w * 10) + d;
        }

        if (i < s.Length && s[i] == (byte)'.')
        {
            for (i++; i < s.Length; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9)
                {
                    break;
                }

                any = true;
                exponent--;
                if (w == 0 && d == 0)
                {
                    continue;
                }

                if (++digits > 18)
                {
                    return false;
                }

                w = (w * 10) + d;
            }
        }

        if (!any)
        {
            return false;
        }

        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            i++;
            bool negativeExponent = false;
            if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+'))
            {
                negativeExponent = s[i] == (byte)'-';
                i++;
            }

            int e = 0;
            int start = i;
            for (; i < s.Length && i - start < 5; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9)
                {
                    break;
                }

                e = (e * 10) + (int)d;
            }

            if (i == start)
            {
                return false;
            }

            exponent += negativeExponent ? -e : e;
        }

        if (i != s.Length)
        {
            return false;
        }

        if (w == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }

        double result;
        if (w <= (1UL << 53) && exponent >= -22 && exponent <= 22)
        {
            // Clinger: both operands exact, one rounding.
            result = exponent < 0 ? w / DecimalParser.PowersOfTen[-exponent] : w * DecimalParser.PowersOfTen[exponent];
        }
        else if (exponent < 0 && exponent >= -22)
        {
            if (!TryDivide(w, DecimalParser.PowersOfTen[-exponent], out result))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        value = negative ? -result : result;
        return true;
    }

    // w / p correctly rounded for w < 10^18 < 2^60 and p = 10^k exact, or false when the exact
    // quotient is too close to a rounding midpoint to decide with a double-double quotient.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDivide(ulong w, double p, out double result)
    {
        double hi = (long)w;                       // w rounded to nearest
        double lo = (long)w - (long)hi;            // the rest, exact (|lo| < 2^7)
        double q1 = hi / p;
        double prod = q1 * p;
        double err = Math.FusedMultiplyAdd(q1, p, -prod);  // q1·p = prod + err exactly
        double remainder = (hi - prod) - err + lo;          // w − q1·p (hi − prod exact by Sterbenz)
        double q2 = remainder / p;
        double s = q1 + q2;
        double e = q2 - (s - q1);                  // Fast2Sum: q1 + q2 = s + e exactly
        double ulp = Math.BitIncrement(s) - s;
        double half = ulp * 0.5;
        if (e < 0 && BitConverter.DoubleToInt64Bits(s) << 12 == 0)
        {
            // s is a power of two: the midpoint below is half the size.
            half *= 0.5;
        }

        double bound = Math.ScaleB(s, -95);
        result = s;
        return Math.Abs(e) < half - bound;
    }
}
