// Exact rational numbers p/q over BigInteger, the oracle's arithmetic.
//
// Objective: exact +, −, ×, ÷ and comparison; exact conversion from a double and from a decimal
// string (as NIST prints its data); conversion to double rounded once, to nearest, ties to even.
// Invariant: q > 0 and gcd(p, q) = 1, so equal values have equal representations.
// Cost: each operation is a few BigInteger multiplications and one gcd; fine for the small
// designs the oracle is used on, hopeless for big ones (and not meant for them).

using System.Globalization;
using System.Numerics;

namespace Keel.Tests.TestSupport;

/// <summary>An exact fraction Numerator/Denominator in lowest terms, Denominator &gt; 0.</summary>
internal readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    private readonly BigInteger _denominator;

    public Rational(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero)
        {
            throw new DivideByZeroException("rational with denominator 0");
        }

        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        BigInteger gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!gcd.IsOne && !gcd.IsZero)
        {
            numerator /= gcd;
            denominator /= gcd;
        }

        Numerator = numerator;
        _denominator = numerator.IsZero ? BigInteger.One : denominator;
    }

    public BigInteger Numerator { get; }

    /// <summary>Always positive (the default struct is read as 0/1).</summary>
    public BigInteger Denominator => _denominator.IsZero ? BigInteger.One : _denominator;

    public static Rational Zero => new(BigInteger.Zero, BigInteger.One);

    public static Rational One => new(BigInteger.One, BigInteger.One);

    public bool IsZero => Numerator.IsZero;

    public int Sign => Numerator.Sign;

    public static Rational FromInteger(long value) => new(value, BigInteger.One);

    /// <summary>The exact value of a finite double.</summary>
    public static Rational FromDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "only finite doubles are rational");
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1; // subnormal
        }
        else
        {
            mantissa |= 1L << 52;
        }

        int power = exponent - 1075;
        BigInteger numerator = negative ? -(BigInteger)mantissa : mantissa;
        return power >= 0
            ? new Rational(numerator << power, BigInteger.One)
            : new Rational(numerator, BigInteger.One << -power);
    }

    /// <summary>The exact value of a decimal string such as "-0.670191154593408E-01" or "60323".</summary>
    public static Rational Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        int exponent = 0;
        int e = s.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(s[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }

        bool negative = s.StartsWith('-');
        s = s.TrimStart('+', '-');
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            exponent -= s.Length - dot - 1;
            s = s.Remove(dot, 1);
        }

        BigInteger digits = BigInteger.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        if (negative)
        {
            digits = -digits;
        }

        BigInteger power = BigInteger.Pow(10, Math.Abs(exponent));
        return exponent >= 0 ? new Rational(digits * power, BigInteger.One) : new Rational(digits, power);
    }

    /// <summary>The nearest double (ties to even), for values in the normal range.</summary>
    public double ToDouble()
    {
        if (IsZero)
        {
            return 0.0;
        }

        BigInteger a = BigInteger.Abs(Numerator);
        BigInteger b = Denominator;
        // a/b lies in [2^(e-1), 2^(e+1)); scale so that the integer quotient has 54 or 55 bits.
        long e = a.GetBitLength() - b.GetBitLength();
        int k = checked((int)(54 - e));
        BigInteger scaledA = k >= 0 ? a << k : a;
        BigInteger scaledB = k >= 0 ? b : b << -k;
        BigInteger quotient = BigInteger.DivRem(scaledA, scaledB, out BigInteger remainder);
        int drop = quotient >= (BigInteger.One << 54) ? 2 : 1;
        BigInteger mantissa = quotient >> drop;
        BigInteger dropped = quotient & ((BigInteger.One << drop) - 1);
        BigInteger half = BigInteger.One << (drop - 1);
        bool sticky = !remainder.IsZero;
        if (dropped > half || (dropped == half && (sticky || !mantissa.IsEven)))
        {
            mantissa += 1;
        }

        double magnitude = Math.ScaleB((double)mantissa, drop - k);
        return Numerator.Sign < 0 ? -magnitude : magnitude;
    }

    public static Rational operator +(Rational x, Rational y) =>
        new((x.Numerator * y.Denominator) + (y.Numerator * x.Denominator), x.Denominator * y.Denominator);

    public static Rational operator -(Rational x, Rational y) =>
        new((x.Numerator * y.Denominator) - (y.Numerator * x.Denominator), x.Denominator * y.Denominator);

    public static Rational operator -(Rational x) => new(-x.Numerator, x.Denominator);

    public static Rational operator *(Rational x, Rational y) =>
        new(x.Numerator * y.Numerator, x.Denominator * y.Denominator);

    public static Rational operator /(Rational x, Rational y) =>
        new(x.Numerator * y.Denominator, x.Denominator * y.Numerator);

    public static bool operator ==(Rational x, Rational y) => x.Equals(y);

    public static bool operator !=(Rational x, Rational y) => !x.Equals(y);

    public static bool operator <(Rational x, Rational y) => x.CompareTo(y) < 0;

    public static bool operator >(Rational x, Rational y) => x.CompareTo(y) > 0;

    public static bool operator <=(Rational x, Rational y) => x.CompareTo(y) <= 0;

    public static bool operator >=(Rational x, Rational y) => x.CompareTo(y) >= 0;

    public static implicit operator Rational(long value) => FromInteger(value);

    public static Rational Abs(Rational x) => x.Sign < 0 ? -x : x;

    public int CompareTo(Rational other) => (Numerator * other.Denominator).CompareTo(other.Numerator * Denominator);

    public bool Equals(Rational other) => Numerator == other.Numerator && Denominator == other.Denominator;

    public override bool Equals(object? obj) => obj is Rational other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Numerator, Denominator);

    public override string ToString() => Denominator.IsOne ? Numerator.ToString(CultureInfo.InvariantCulture) : $"{Numerator}/{Denominator}";
}
