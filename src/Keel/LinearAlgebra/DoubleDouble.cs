// Double-double arithmetic: a value is the unevaluated sum Hi + Lo of two doubles, about 106
// significant bits (unit roundoff about 2^-104 for the operations below, 2^-106 at best).
//
// Reference: Dekker (1971), "A floating-point technique for extending the available precision",
// Numer. Math. 18 (TwoProduct, renormalisation); Knuth, TAOCP vol. 2, §4.2.2 (TwoSum);
// Hida, Li & Bailey (2001), "Algorithms for quad-double precision floating point arithmetic"
// (the accurate addition, division and square root used here, as in their QD library).
//
// Invariant: every value returned by an operation is normalised, Hi = fl(Hi + Lo), so |Lo| <=
// ulp(Hi)/2 and (double)x is Hi. Every step is an IEEE operation that is correctly rounded
// (+, -, *, /, sqrt, and the explicit Math.FusedMultiplyAdd), so the results are the same bits
// on every CPU; nothing here relies on the JIT contracting a*b+c.
//
// Cost: TwoSum 6 flops, TwoProduct 2 (one FMA), Add 20, Multiply about 10, Divide about 35.

namespace Keel.LinearAlgebra;

/// <summary>A double-double number Hi + Lo (about 32 significant decimal digits).</summary>
internal readonly struct DoubleDouble : IEquatable<DoubleDouble>
{
    /// <summary>The leading part, the value rounded to double.</summary>
    public double Hi { get; }

    /// <summary>The trailing part: the rounding error of Hi, |Lo| &lt;= ulp(Hi)/2.</summary>
    public double Lo { get; }

    /// <summary>Wraps a pair that is already normalised (Hi = fl(Hi + Lo)).</summary>
    public DoubleDouble(double hi, double lo)
    {
        Hi = hi;
        Lo = lo;
    }

    /// <summary>Zero.</summary>
    public static DoubleDouble Zero => default;

    /// <summary>The exact value of a double.</summary>
    public static DoubleDouble FromDouble(double x) => new(x, 0.0);

    /// <summary>The value rounded to the nearest double.</summary>
    public double ToDouble() => Hi;

    /// <summary>True when both parts are finite.</summary>
    public bool IsFinite => double.IsFinite(Hi) && double.IsFinite(Lo);

    /// <summary>Knuth's TwoSum: s + e = a + b exactly, s = fl(a + b). No condition on |a|, |b|.</summary>
    public static DoubleDouble TwoSum(double a, double b)
    {
        double s = a + b;
        double bVirtual = s - a;
        double aVirtual = s - bVirtual;
        double e = (a - aVirtual) + (b - bVirtual);
        return new DoubleDouble(s, e);
    }

    /// <summary>Dekker's FastTwoSum: s + e = a + b exactly, valid when |a| >= |b| (or a = 0).</summary>
    public static DoubleDouble FastTwoSum(double a, double b)
    {
        double s = a + b;
        double e = b - (s - a);
        return new DoubleDouble(s, e);
    }

    /// <summary>
    /// p + e = a·b exactly (barring underflow), p = fl(a·b). The error term is one explicit,
    /// correctly rounded fused multiply-add, so it is the same on every CPU.
    /// </summary>
    public static DoubleDouble TwoProduct(double a, double b)
    {
        double p = a * b;
        double e = Math.FusedMultiplyAdd(a, b, -p);
        return new DoubleDouble(p, e);
    }

    /// <summary>x + y with relative error about 2^-104 (the "IEEE" addition of Hida, Li and Bailey).</summary>
    public static DoubleDouble Add(DoubleDouble x, DoubleDouble y)
    {
        DoubleDouble s = TwoSum(x.Hi, y.Hi);
        DoubleDouble t = TwoSum(x.Lo, y.Lo);
        DoubleDouble u = FastTwoSum(s.Hi, s.Lo + t.Hi);
        return FastTwoSum(u.Hi, u.Lo + t.Lo);
    }

    /// <summary>x + y for a double y.</summary>
    public static DoubleDouble Add(DoubleDouble x, double y)
    {
        DoubleDouble s = TwoSum(x.Hi, y);
        return FastTwoSum(s.Hi, s.Lo + x.Lo);
    }

    /// <summary>x - y.</summary>
    public static DoubleDouble Subtract(DoubleDouble x, DoubleDouble y) => Add(x, Negate(y));

    /// <summary>-x (exact).</summary>
    public static DoubleDouble Negate(DoubleDouble x) => new(-x.Hi, -x.Lo);

    /// <summary>|x| (exact).</summary>
    public static DoubleDouble Abs(DoubleDouble x) => x.Hi < 0 || (x.Hi == 0 && x.Lo < 0) ? Negate(x) : x;

    /// <summary>x·y with relative error about 2^-104 (the cross term x.Lo·y.Lo is below it and dropped).</summary>
    public static DoubleDouble Multiply(DoubleDouble x, DoubleDouble y)
    {
        DoubleDouble p = TwoProduct(x.Hi, y.Hi);
        double cross = (x.Hi * y.Lo) + (x.Lo * y.Hi);
        return FastTwoSum(p.Hi, p.Lo + cross);
    }

    /// <summary>x·y for a double y.</summary>
    public static DoubleDouble Multiply(DoubleDouble x, double y)
    {
        DoubleDouble p = TwoProduct(x.Hi, y);
        return FastTwoSum(p.Hi, p.Lo + (x.Lo * y));
    }

    /// <summary>x/y by three steps of long division (quotient digits q1 + q2 + q3).</summary>
    public static DoubleDouble Divide(DoubleDouble x, DoubleDouble y)
    {
        double q1 = x.Hi / y.Hi;
        DoubleDouble remainder = Subtract(x, Multiply(y, q1));
        double q2 = remainder.Hi / y.Hi;
        remainder = Subtract(remainder, Multiply(y, q2));
        double q3 = remainder.Hi / y.Hi;
        DoubleDouble q = FastTwoSum(q1, q2);
        return Add(q, q3);
    }

    /// <summary>
    /// sqrt(x) by one Newton (Karp) step from the double square root: q + (x - q²)/(2q), with
    /// x - q² formed exactly from TwoProduct. NaN for x &lt; 0, 0 for x = 0.
    /// </summary>
    public static DoubleDouble Sqrt(DoubleDouble x)
    {
        if (x.Hi <= 0)
        {
            return x.Hi == 0 ? Zero : new DoubleDouble(double.NaN, double.NaN);
        }

        double q = Math.Sqrt(x.Hi);
        DoubleDouble residual = Subtract(x, TwoProduct(q, q));
        return FastTwoSum(q, residual.Hi / (2.0 * q));
    }

    /// <summary>x² with relative error about 2^-104.</summary>
    public static DoubleDouble Square(DoubleDouble x) => Multiply(x, x);

    /// <summary>Sum of two double-doubles.</summary>
    public static DoubleDouble operator +(DoubleDouble x, DoubleDouble y) => Add(x, y);

    /// <summary>Difference of two double-doubles.</summary>
    public static DoubleDouble operator -(DoubleDouble x, DoubleDouble y) => Subtract(x, y);

    /// <summary>Negation.</summary>
    public static DoubleDouble operator -(DoubleDouble x) => Negate(x);

    /// <summary>Product of two double-doubles.</summary>
    public static DoubleDouble operator *(DoubleDouble x, DoubleDouble y) => Multiply(x, y);

    /// <summary>Quotient of two double-doubles.</summary>
    public static DoubleDouble operator /(DoubleDouble x, DoubleDouble y) => Divide(x, y);

    /// <summary>Exact conversion from double.</summary>
    public static implicit operator DoubleDouble(double x) => FromDouble(x);

    /// <summary>Rounds to the nearest double (Hi).</summary>
    public static explicit operator double(DoubleDouble x) => x.ToDouble();

    /// <summary>Bitwise equality of both parts.</summary>
    public bool Equals(DoubleDouble other) => Hi.Equals(other.Hi) && Lo.Equals(other.Lo);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DoubleDouble other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Hi, Lo);

    /// <summary>Bitwise equality of both parts.</summary>
    public static bool operator ==(DoubleDouble left, DoubleDouble right) => left.Equals(right);

    /// <summary>Bitwise inequality.</summary>
    public static bool operator !=(DoubleDouble left, DoubleDouble right) => !left.Equals(right);

    /// <summary>"Hi + Lo" in round-trip form.</summary>
    public override string ToString() =>
        Hi.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " + " +
        Lo.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
