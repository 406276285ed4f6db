namespace Keel.LinearAlgebra;

/// <summary>
/// log and exp for every path that feeds a result. One place, so the implementation can be made
/// platform-independent: Math.Log/Math.Exp call the C library, whose last bit may differ between
/// systems. TODO(reproducibility issue): replace with Keel's own correctly rounded versions.
/// </summary>
internal static class ElementaryFunctions
{
    /// <summary>Natural logarithm.</summary>
    public static double Log(double x) => Math.Log(x);

    /// <summary>Exponential.</summary>
    public static double Exp(double x) => Math.Exp(x);
}
