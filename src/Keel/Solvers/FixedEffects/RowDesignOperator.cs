// RowDesignOperator: the row path's design [1 | covariates | level indicators] as a linear operator
// over the rows, for the condition estimate (ConditionEstimate's Lanczos), never formed; with
// --weights the weighted design √W·[1 | covariates | level indicators], as the cell path's.
//
// Columns: the intercept, each covariate, then every level of each model factor, the absorbing factor
//   last (reference and aliased levels are columns too; the estimate gives them zero weight).
// Invariant (reproducibility): rows are in canonical order, cut into Chunks runs of whole segments of
//   the absorbing factor at boundaries that depend on the data only; a product's row values have one
//   owner; a transposed product sums each absorbing level within its own segment (one owner) and
//   everything else into one partial per chunk, added in chunk order: the same bits for any thread
//   count.
// Cost: one pass over the covariates and codes per product (Gram: one pass for AᵀA·v); memory one
//   partial of 1 + k + Σ(levels of the other factors) doubles per chunk (the columns before the
//   absorbing factor's).

using Keel.LinearAlgebra;
using Keel.Rows;

namespace Keel.Solvers.FixedEffects;

internal sealed class RowDesignOperator : ILinearOperator
{
    private const int Chunks = 64;

    private readonly RowColumns _rows;
    private readonly int[] _factors;
    private readonly int[] _offset;
    private readonly int _absorbing;
    private readonly int[] _chunkStart;
    private readonly int _threads;
    private readonly double[]? _weights;
    private readonly double[]? _rootWeights;

    /// <param name="rows">The rows, sorted by the absorbing factor.</param>
    /// <param name="factors">The model factors (indexes into rows.Factors); the absorbing one is put last.</param>
    /// <param name="absorbing">The absorbing factor (one of <paramref name="factors"/>).</param>
    /// <param name="segmentStart">First row of each absorbing level, and the row count at the end.</param>
    /// <param name="weights">The rows' prior weights (in the rows' order), or null for the unweighted design.</param>
    public RowDesignOperator(RowColumns rows, int[] factors, int absorbing, int[] segmentStart, int threads, double[]? weights = null)
    {
        _weights = weights;
        _rootWeights = weights?.Select(Math.Sqrt).ToArray();
        _rows = rows;
        _factors = [.. factors.Where(f => f != absorbing), absorbing];
        _absorbing = absorbing;
        _threads = Math.Max(1, threads);
        _offset = new int[_factors.Length];
        int column = 1 + rows.Covariates.Length;
        for (int f = 0; f < _factors.Length; f++)
        {
            _offset[f] = column;
            column += rows.Factors[_factors[f]].LevelCount;
        }

        Columns = column;
        int segments = segmentStart.Length - 1;
        _chunkStart = new int[Chunks + 1];
        for (int c = 0; c <= Chunks; c++)
        {
            _chunkStart[c] = segmentStart[(int)((long)segments * c / Chunks)];
        }
    }

    public int Rows => _rows.Count;

    public int Columns { get; }

    /// <summary>Column index of level <paramref name="level"/> of factor <paramref name="factor"/> (an index into rows.Factors).</summary>
    public int LevelColumn(int factor, int level) => _offset[Array.IndexOf(_factors, factor)] + level;

    /// <summary>‖a_j‖² of every column: the row count, Σx², and each level's row count (with weights: Σw, Σw·x², each level's Σw).</summary>
    public double[] SquaredNorms()
    {
        var norms = new double[Columns];
        double[]? w = _weights;
        norms[0] = w is null ? Rows : w.Sum();
        for (int j = 0; j < _rows.Covariates.Length; j++)
        {
            double[] x = _rows.Covariates[j];
            double s = 0;
            for (int i = 0; i < x.Length; i++)
            {
                s += (w?[i] ?? 1.0) * x[i] * x[i];
            }

            norms[1 + j] = s;
        }

        for (int f = 0; f < _factors.Length; f++)
        {
            if (w is null)
            {
                int[] counts = _rows.Factors[_factors[f]].CountByLevel();
                for (int l = 0; l < counts.Length; l++)
                {
                    norms[_offset[f] + l] = counts[l];
                }

                continue;
            }

            int[] codes = _rows.Factors[_factors[f]].Codes;
            for (int i = 0; i < codes.Length; i++)
            {
                norms[_offset[f] + codes[i]] += w[i];
            }
        }

        return norms;
    }

    public void Multiply(ReadOnlySpan<double> x, Span<double> result)
    {
        double[] v = x.ToArray();
        double[] into = new double[Rows];
        Parallel.For(0, Chunks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, c =>
        {
            for (int i = _chunkStart[c]; i < _chunkStart[c + 1]; i++)
            {
                into[i] = _rootWeights is null ? RowValue(v, i) : _rootWeights[i] * RowValue(v, i);
            }
        });
        into.CopyTo(result);
    }

    public void MultiplyTransposed(ReadOnlySpan<double> y, Span<double> result)
    {
        Accumulate(null, y.ToArray(), result);
    }

    /// <summary>u = AᵀA·v in one pass (ConditionEstimate.TryGram); always available.</summary>
    public bool Gram(ReadOnlySpan<double> v, Span<double> u)
    {
        double[] x = v.ToArray();
        Accumulate(x, null, u);
        return true;
    }

    private double RowValue(double[] v, int i)
    {
        double t = v[0];
        for (int j = 0; j < _rows.Covariates.Length; j++)
        {
            t += _rows.Covariates[j][i] * v[1 + j];
        }

        for (int f = 0; f < _factors.Length; f++)
        {
            t += v[_offset[f] + _rows.Factors[_factors[f]].Codes[i]];
        }

        return t;
    }

    // result = Aᵀ·t for the row values t: given (rowValues), or t = A·v (v given: the Gram product).
    // The absorbing factor's levels are summed within their own segments, everything else into
    // per-chunk partials added in chunk order.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(double[]? v, double[]? rowValues, Span<double> result)
    {
        int absorbingAt = _factors.Length - 1;
        int absorbingStart = _offset[absorbingAt];
        var partial = new double[Chunks][];
        double[] total = new double[Columns];
        int[] absorbingCodes = _rows.Factors[_absorbing].Codes;
        double[][] covariates = _rows.Covariates;
        int k = covariates.Length;
        int[][] codes = [.. _factors.Take(absorbingAt).Select(f => _rows.Factors[f].Codes)];
        int[] offset = _offset;
        Parallel.For(0, Chunks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, c =>
        {
            var p = new double[absorbingStart];
            int from = _chunkStart[c];
            int to = _chunkStart[c + 1];
            // Column by column over the chunk's rows (tight loops; each sum still runs over rows in order).
            double[] rented = System.Buffers.ArrayPool<double>.Shared.Rent(to - from);
            Span<double> t = rented.AsSpan(0, to - from);
            if (v is null)
            {
                rowValues.AsSpan(from, to - from).CopyTo(t);
            }
            else
            {
                for (int i = from; i < to; i++)
                {
                    t[i - from] = v[0] + v[absorbingStart + absorbingCodes[i]];
                }

                for (int j = 0; j < k; j++)
                {
                    double[] x = covariates[j];
                    double vj = v[1 + j];
                    for (int i = from; i < to; i++)
                    {
                        t[i - from] += x[i] * vj;
                    }
                }

                for (int f = 0; f < codes.Length; f++)
                {
                    int[] code = codes[f];
                    int at = offset[f];
                    for (int i = from; i < to; i++)
                    {
                        t[i - from] += v[at + code[i]];
                    }
                }
            }

            // The weighted design: Aᵀ√W·y scales the given row values by √w, AᵀWA·v the products by w.
            double[]? scale = v is null ? _rootWeights : _weights;
            if (scale is not null)
            {
                for (int i = from; i < to; i++)
                {
                    t[i - from] *= scale[i];
                }
            }

            double sum = 0;
            for (int i = 0; i < t.Length; i++)
            {
                sum += t[i];
            }

            p[0] = sum;
            for (int j = 0; j < k; j++)
            {
                double[] x = covariates[j];
                double s = 0;
                for (int i = from; i < to; i++)
                {
                    s += x[i] * t[i - from];
                }

                p[1 + j] = s;
            }

            for (int f = 0; f < codes.Length; f++)
            {
                int[] code = codes[f];
                int at = offset[f];
                for (int i = from; i < to; i++)
                {
                    p[at + code[i]] += t[i - from];
                }
            }

            for (int i = from; i < to;)
            {
                int level = absorbingCodes[i];
                double segmentSum = 0;
                for (; i < to && absorbingCodes[i] == level; i++)
                {
                    segmentSum += t[i - from];
                }

                total[absorbingStart + level] = segmentSum;
            }

            System.Buffers.ArrayPool<double>.Shared.Return(rented);
            partial[c] = p;
        });

        for (int j = 0; j < absorbingStart; j++)
        {
            double s = 0;
            for (int c = 0; c < Chunks; c++)
            {
                s += partial[c][j];
            }

            total[j] = s;
        }

        total.CopyTo(result);
    }
}
