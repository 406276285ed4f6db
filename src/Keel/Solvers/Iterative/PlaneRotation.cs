// A stable plane (Givens) rotation: given (a, b), find c, s, r with [c s; −s c]·[a; b] = [r; 0]
// and r = ‖(a, b)‖ ≥ 0. Reference: S.-C. Choi (2006), "Iterative methods for singular linear
// equations and least-squares problems", PhD thesis, Stanford, Table 2.9 (SymOrtho) — the form
// Fong & Saunders (2011) use. Invariant: the ratio is taken of the smaller over the larger
// magnitude, so no intermediate overflows or underflows where r is representable.
// Cost: one division, one square root. Only correctly rounded operations (IEEE +, ×, ÷, √).
// A NaN argument gives a NaN rotation (CopySign, not Math.Sign, which throws): the caller decides.

namespace Keel.Solvers.Iterative;

/// <summary>Cosine, sine and length of a plane rotation that zeroes the second of two numbers.</summary>
internal readonly record struct PlaneRotation(double C, double S, double R)
{
    /// <summary>The rotation taking (a, b) to (r, 0) with r ≥ 0; (0, 0) gives the identity (c = 1, s = 0, r = 0).</summary>
    public static PlaneRotation Zeroing(double a, double b)
    {
        if (b == 0)
        {
            // Identity for a = 0 too: nothing to rotate.
            return a < 0 ? new PlaneRotation(-1, 0, -a) : new PlaneRotation(1, 0, a);
        }

        if (a == 0)
        {
            return new PlaneRotation(0, Math.CopySign(1.0, b), Math.Abs(b));
        }

        if (Math.Abs(b) > Math.Abs(a))
        {
            double tau = a / b;
            double s = Math.CopySign(1.0, b) / Math.Sqrt(1 + (tau * tau));
            return new PlaneRotation(s * tau, s, b / s);
        }
        else
        {
            double tau = b / a;
            double c = Math.CopySign(1.0, a) / Math.Sqrt(1 + (tau * tau));
            return new PlaneRotation(c, c * tau, a / c);
        }
    }
}
