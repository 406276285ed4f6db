// Predictions for new rows from a fit's result.
//
// Objective: for a new row with design row v, the fitted mean v'b, where b is the fit's solution
// with aliased coefficients at 0 (the estimates the result lists, as in the fitted values), its
// standard error sqrt(v_K' C v_K) with C = σ²(X_K'WX_K)⁻¹ the covariance of the kept estimates,
// and whether v'b is estimable.
// Rule (Searle 1971, Linear Models, §5.4): v'β is estimable iff v lies in the row space of X,
// i.e. v is orthogonal to the null space of X. Each aliased column j has a dependency
// a_j = Σ_k c_jk a_k on kept columns, so X(e_j − Σ_k c_jk e_k) = 0, and these vectors (one per
// aliased column) span the null space. Hence v is estimable iff v_j = Σ_k c_jk v_k for every
// aliased j, up to a relative tolerance. For an estimable v the aliased entries are determined by
// the kept ones and v'b = v_K'b_K whichever way the aliased coefficients are resolved; for any other
// v, v'b changes when b moves along a null vector, so the number reflects Keel's choice b_j = 0.
// An interaction combination never observed in fitting has no column at all: its column would be
// all zeros, e_new itself is a null vector, and a row using it is never estimable.
// Cost per row: O(nnz(v)) for the prediction, Σ over aliased columns of their dependency length
// for estimability, nnz(v)² for the standard error.

using Keel.Results;

namespace Keel.Prediction;

/// <summary>The prediction for one row: null values where there is none.</summary>
internal readonly record struct PredictedValue(double? Prediction, double? StdError, bool Estimable);

/// <summary>Evaluates coded rows against a fit: prediction, standard error of the fitted mean, estimability.</summary>
internal sealed class Predictor
{
    /// <summary>
    /// Relative tolerance of the estimability test |v_j − Σ c_k v_k| &lt;= tol·(|v_j| + Σ|c_k v_k|):
    /// sqrt(eps) = 2^-26, as the dense solver's IsEstimable. Dependencies carry relative errors of
    /// about κ·u, while a non-estimable row misses by a part of order one.
    /// </summary>
    public const double EstimabilityTolerance = 1.4901161193847656e-8;

    private readonly double[] _estimateByColumn;
    private readonly bool[] _aliased;
    private readonly ModelSpec _spec;
    private readonly Dictionary<int, int> _covariancePosition = [];

    /// <param name="spec">The result's model part.</param>
    /// <param name="estimates">The estimate of each listed column (null for aliased ones), aligned with spec.Design.</param>
    public Predictor(ModelSpec spec, IReadOnlyList<double?> estimates)
    {
        _spec = spec;
        if (estimates.Count != spec.Design.Count)
        {
            throw new KeelInputException($"the result lists {estimates.Count} coefficients but its model {spec.Design.Count} design columns; the file is inconsistent");
        }

        _estimateByColumn = estimates.Select(e => e ?? 0.0).ToArray();
        _aliased = new bool[estimates.Count];
        foreach (int j in spec.Dependencies.Keys)
        {
            _aliased[j] = true;
        }

        for (int j = 0; j < estimates.Count; j++)
        {
            // An estimate that is null without a dependency (aliasing unchecked, or a non-finite value): treated as aliased.
            _aliased[j] |= estimates[j] is null && !spec.Design[j].Reference;
        }

        if (spec.Covariance is { } cov)
        {
            for (int a = 0; a < cov.Columns.Length; a++)
            {
                _covariancePosition[cov.Columns[a]] = a;
            }
        }
    }

    /// <summary>True when standard errors can be computed (the result carries the covariance).</summary>
    public bool HasCovariance => _spec.Covariance is not null;

    public PredictedValue Predict(CodedRow row)
    {
        // Summed in design order, as the fitted values of the fit (LeastSquaresSolution.FittedByCell).
        double prediction = 0;
        for (int i = 0; i < row.Columns.Length; i++)
        {
            int j = row.Columns[i];
            if (!_aliased[j] && !_spec.Design[j].Reference)
            {
                prediction += row.Values[i] * _estimateByColumn[j];
            }
        }

        bool estimable = !row.UnobservedCombination && IsEstimable(row);
        return new PredictedValue(prediction, estimable ? StdError(row) : null, estimable);
    }

    private bool IsEstimable(CodedRow row)
    {
        var valueOf = new Dictionary<int, double>(row.Columns.Length);
        for (int i = 0; i < row.Columns.Length; i++)
        {
            valueOf[row.Columns[i]] = row.Values[i];
        }

        foreach ((int j, IReadOnlyList<(int Column, double Coefficient)> on) in _spec.Dependencies)
        {
            double vj = valueOf.GetValueOrDefault(j);
            double combination = 0;
            double magnitude = Math.Abs(vj);
            foreach ((int k, double c) in on)
            {
                double part = c * valueOf.GetValueOrDefault(k);
                combination += part;
                magnitude += Math.Abs(part);
            }

            if (Math.Abs(vj - combination) > EstimabilityTolerance * magnitude)
            {
                return false;
            }
        }

        return true;
    }

    // sqrt(v_K' C v_K) over the entries of v on kept columns (C is the packed lower triangle).
    private double? StdError(CodedRow row)
    {
        if (_spec.Covariance is not { } cov)
        {
            return null;
        }

        var positions = new List<(int Position, double Value)>(row.Columns.Length);
        for (int i = 0; i < row.Columns.Length; i++)
        {
            if (_covariancePosition.TryGetValue(row.Columns[i], out int a))
            {
                positions.Add((a, row.Values[i]));
            }
        }

        double variance = 0;
        foreach ((int a, double va) in positions)
        {
            foreach ((int b, double vb) in positions)
            {
                int hi = Math.Max(a, b), lo = Math.Min(a, b);
                variance += va * vb * cov.PackedLower[(hi * (hi + 1) / 2) + lo];
            }
        }

        return variance >= 0 && double.IsFinite(variance) ? Math.Sqrt(variance) : null;
    }
}
