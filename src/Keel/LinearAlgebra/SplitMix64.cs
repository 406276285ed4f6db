namespace Keel.LinearAlgebra;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA):
/// one 64-bit output per call, a bijection of the advancing state; only integer operations, so the
/// same seed gives the same stream on every CPU. Used wherever a fit needs reproducible randomness
/// (cross-validation folds, SGD's order, Lanczos' start vector).
/// </summary>
internal static class SplitMix64
{
    /// <summary>Advances <paramref name="state"/> and returns the next output.</summary>
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
