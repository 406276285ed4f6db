namespace Keel.Compression;

/// <summary>
/// STUB (to be replaced by the exact accumulator): an order-independent sum of doubles.
/// Contract: the value is the exact sum of everything added; ToDouble rounds it once, to nearest.
/// </summary>
internal struct ExactSum
{
    private double _naive;

    /// <summary>Adds x exactly.</summary>
    public void Add(double x) => _naive += x;

    /// <summary>Adds the exact product a·b.</summary>
    public void AddProduct(double a, double b) => _naive += a * b;

    /// <summary>Adds another accumulator exactly (merging partial sums from threads, files or machines).</summary>
    public void Add(in ExactSum other) => _naive += other._naive;

    /// <summary>The exact sum rounded once to the nearest double.</summary>
    public readonly double ToDouble() => _naive;

    /// <summary>The exact sum as an unevaluated pair hi + lo with hi = ToDouble().</summary>
    public readonly (double Hi, double Lo) ToDoubleDouble() => (_naive, 0.0);
}
