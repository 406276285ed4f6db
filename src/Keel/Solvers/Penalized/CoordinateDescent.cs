// CoordinateDescent: the elastic net on cells by cyclic coordinate descent.
//
// Objective (over rows; glmnet's convention, Friedman, Hastie & Tibshirani 2010, eq. 1):
//   (1/(2·W))·Σ_rows w·(y − x'β)² + λ·(α·‖β_P‖₁ + (1 − α)/2·‖β_P‖₂²),  W = Σ_rows w,
//   P the penalised columns (every column but the intercept). Rows of a cell share x, so
//   Σ_rows w·(y − x'β)² = Σ_cells w_c·(ȳ_c − x_c'β)² + pure error, and the pure error does not depend
//   on β: the cells objective has the same minimiser at the same λ. λ is in the units of the rows'
//   mean square; compressing rows into cells changes neither W nor λ.
// Reference: Friedman, Hastie & Tibshirani (2010), "Regularization paths for generalized linear
//   models via coordinate descent", J. Stat. Software 33(1): §2.1 (naive updates, eq. 5 and the
//   soft-threshold S(z, γ)), §2.4 (weights), §2.6 (active-set cycling). Strong rules: Tibshirani,
//   Bien, Friedman, Hastie, Simon, Taylor & Tibshirani (2012), JRSS B 74(2), §2.2 (sequential
//   strong rule |c_j(λ_prev)| < α·(2λ − λ_prev) discards j) and §7 (check KKT on the discarded).
// Notation: r_c = ȳ_c − x_c'β (cell residual), ω_c = w_c/W (normalised weight), v_j = Σ ω_c x_cj²,
//   c_j = Σ ω_c x_cj r_c (the gradient's correlation). Update: z = c_j + v_j β_j,
//   β_j ← S(z, λα)/(v_j + λ(1 − α)); unpenalised: β_j ← z/v_j.
// Invariant: after every update r_c = ȳ_c − x_c'β (up to the rounding of the running updates; the
//   residual is recomputed from β at the start of every λ). Sums run over a column's cells in cell
//   order and columns in index order: same data, same bits.
// Cost: a sweep over a set S costs Σ_{j∈S} nnz(column j); a KKT check costs one pass over the design.
using Keel.LinearAlgebra;

namespace Keel.Solvers.Penalized;

/// <summary>How one λ of the coordinate descent ended.</summary>
internal enum CoordinateDescentStop
{
    /// <summary>A full sweep over the strong set changed no coordinate by more than the tolerance, and the KKT conditions hold on the rest.</summary>
    Converged,

    /// <summary>The sweep limit was reached first.</summary>
    SweepLimit,
}

/// <summary>Coordinate descent state on one set of cell weights (the training cells of a fold, or all).</summary>
internal sealed class CoordinateDescent
{
    private readonly CellColumns _columns;
    private readonly double[] _weightByCell;
    private readonly double[] _meanByCell;
    private readonly bool[] _penalized;
    private readonly PenalizedOptions _options;
    private readonly double[] _squaredNormByColumn;
    private readonly double[] _residualByCell;
    private readonly double _scale;

    // The intercept column (all ones, unpenalised), or -1. With it every update is made on the
    // weighted-centred column x_j − μ_j with the intercept moving by −μ_j·Δβ_j, which keeps Σω·r = 0
    // and is exactly glmnet's centring (§2.4) without densifying a sparse column.
    private readonly int _intercept;
    private readonly double[] _meanByColumn;
    private readonly double[] _centredSquaredNormByColumn;

    // The residual is _residualByCell[c] + _shift: a centred update moves every cell by μ_j·Δβ_j.
    private double _shift;

    public CoordinateDescent(CellColumns columns, ReadOnlySpan<double> weightByCell, double[] meanByCell, bool[] penalized, PenalizedOptions options)
    {
        _columns = columns;
        _meanByCell = meanByCell;
        _penalized = penalized;
        _options = options;
        int m = columns.CellCount;
        _weightByCell = new double[m];
        double total = Kernels.Sum(weightByCell);
        if (!(total > 0))
        {
            throw new ArgumentException("coordinate descent needs a positive total weight", nameof(weightByCell));
        }

        for (int c = 0; c < m; c++)
        {
            _weightByCell[c] = weightByCell[c] / total;
        }

        TotalWeight = total;
        _squaredNormByColumn = new double[columns.ColumnCount];
        for (int j = 0; j < columns.ColumnCount; j++)
        {
            double v = 0;
            for (int e = columns.Start[j]; e < columns.Start[j + 1]; e++)
            {
                double x = columns.ValueOfEntry[e];
                v += _weightByCell[columns.CellOfEntry[e]] * x * x;
            }

            _squaredNormByColumn[j] = v;
        }

        _intercept = InterceptColumn(columns, penalized);
        _meanByColumn = new double[columns.ColumnCount];
        _centredSquaredNormByColumn = new double[columns.ColumnCount];
        for (int j = 0; j < columns.ColumnCount; j++)
        {
            double mu = 0, inColumn = 0;
            for (int e = columns.Start[j]; e < columns.Start[j + 1]; e++)
            {
                mu += _weightByCell[columns.CellOfEntry[e]] * columns.ValueOfEntry[e];
                inColumn += _weightByCell[columns.CellOfEntry[e]];
            }

            // Σω(x − μ)² over the column's cells plus μ²·(weight of the cells where x = 0), no cancellation.
            double centred = Math.Max(0.0, 1.0 - inColumn) * mu * mu;
            for (int e = columns.Start[j]; e < columns.Start[j + 1]; e++)
            {
                double d = columns.ValueOfEntry[e] - mu;
                centred += _weightByCell[columns.CellOfEntry[e]] * d * d;
            }

            _meanByColumn[j] = mu;
            _centredSquaredNormByColumn[j] = centred;
        }

        Coefficients = new double[columns.ColumnCount];
        _residualByCell = new double[m];
        double mean = Kernels.Dot(_weightByCell, meanByCell);
        bool hasUnpenalized = penalized.Any(p => !p);
        double spread = 0;
        for (int c = 0; c < m; c++)
        {
            double d = hasUnpenalized ? meanByCell[c] - mean : meanByCell[c];
            spread += _weightByCell[c] * d * d;
        }

        _scale = spread;
    }

    /// <summary>Current β over solved columns (warm start for the next λ).</summary>
    public double[] Coefficients { get; }

    /// <summary>W = Σw of the cells this state fits.</summary>
    public double TotalWeight { get; }

    /// <summary>Sweeps done so far, over every λ.</summary>
    public long Sweeps { get; private set; }

    /// <summary>c_j = Σ ω_c x_cj r_c for every column at the current β (after <see cref="Fit"/> or <see cref="FitUnpenalized"/>).</summary>
    public double[] Correlations()
    {
        var c = new double[_columns.ColumnCount];
        for (int j = 0; j < c.Length; j++)
        {
            c[j] = Correlation(j);
        }

        return c;
    }

    /// <summary>λ_max: the smallest λ at which every penalised coefficient is 0 (for α below the floor, at α = floor, as glmnet).</summary>
    public double LambdaMax(double alpha)
    {
        FitUnpenalized();
        double max = 0;
        double[] c = Correlations();
        for (int j = 0; j < c.Length; j++)
        {
            if (_penalized[j])
            {
                max = Math.Max(max, Math.Abs(c[j]));
            }
        }

        return max / Math.Max(alpha, PenalizedOptions.PathAlphaFloor);
    }

    /// <summary>Penalised coefficients 0, the unpenalised ones (the intercept) fitted.</summary>
    public CoordinateDescentStop FitUnpenalized()
    {
        Array.Clear(Coefficients);
        return Fit(double.PositiveInfinity, double.PositiveInfinity, 1.0);
    }

    /// <summary>
    /// Minimises the objective at <paramref name="lambda"/> from the current β (warm start), with the
    /// sequential strong rule from <paramref name="previousLambda"/> (the λ the current β solves).
    /// </summary>
    public CoordinateDescentStop Fit(double lambda, double previousLambda, double alpha)
    {
        RecomputeResidual();
        int p = _columns.ColumnCount;
        double l1 = double.IsPositiveInfinity(lambda) ? 0 : lambda * alpha;
        double l2 = double.IsPositiveInfinity(lambda) ? 0 : lambda * (1 - alpha);
        bool infinite = double.IsPositiveInfinity(lambda);
        var inStrongSet = new bool[p];
        double strongCut = alpha * ((2 * lambda) - previousLambda);
        for (int j = 0; j < p; j++)
        {
            // Sequential strong rule (Tibshirani et al. 2012, §2.2): keep j unless |c_j(λ_prev)| < α(2λ − λ_prev).
            inStrongSet[j] = !_penalized[j]
                || (!infinite && (Coefficients[j] != 0 || alpha == 0 || Math.Abs(Correlation(j)) >= strongCut));
        }

        long first = Sweeps;
        while (true)
        {
            // Full sweeps over the strong set, each followed by sweeps over the active set until those settle (§2.6).
            bool converged = Sweep(inStrongSet, activeOnly: false, l1, l2, infinite);
            while (!converged && Sweeps - first < _options.MaxSweeps)
            {
                bool activeSettled = Sweep(inStrongSet, activeOnly: true, l1, l2, infinite);
                if (activeSettled)
                {
                    converged = Sweep(inStrongSet, activeOnly: false, l1, l2, infinite);
                }
            }

            if (!converged)
            {
                return CoordinateDescentStop.SweepLimit;
            }

            // KKT on the discarded (§7): β_j = 0 is optimal iff |c_j| <= λα.
            bool violated = false;
            for (int j = 0; j < p && !infinite; j++)
            {
                if (!inStrongSet[j] && Math.Abs(Correlation(j)) > l1)
                {
                    inStrongSet[j] = true;
                    violated = true;
                }
            }

            if (!violated)
            {
                return CoordinateDescentStop.Converged;
            }
        }
    }

    /// <summary>Fitted mean of every cell at the current β.</summary>
    public double[] FittedByCell()
    {
        var fitted = new double[_columns.CellCount];
        for (int j = 0; j < _columns.ColumnCount; j++)
        {
            double b = Coefficients[j];
            if (b == 0)
            {
                continue;
            }

            for (int e = _columns.Start[j]; e < _columns.Start[j + 1]; e++)
            {
                fitted[_columns.CellOfEntry[e]] += _columns.ValueOfEntry[e] * b;
            }
        }

        return fitted;
    }

    // One cyclic pass; true when no coordinate moved the fitted values by more than the tolerance.
    private bool Sweep(bool[] inSet, bool activeOnly, double l1, double l2, bool infinite)
    {
        Sweeps++;
        double maxChange = 0;
        bool centring = _intercept >= 0;
        for (int j = 0; j < _columns.ColumnCount; j++)
        {
            double v = centring ? _centredSquaredNormByColumn[j] : _squaredNormByColumn[j];
            if (j == _intercept || !inSet[j] || v == 0 || (infinite && _penalized[j]) || (activeOnly && _penalized[j] && Coefficients[j] == 0))
            {
                continue;
            }

            double old = Coefficients[j];
            double z = Correlation(j) + (v * old);
            double updated = _penalized[j] ? SoftThreshold(z, l1) / (v + l2) : z / v;
            double delta = updated - old;
            if (delta == 0)
            {
                continue;
            }

            Coefficients[j] = updated;
            for (int e = _columns.Start[j]; e < _columns.Start[j + 1]; e++)
            {
                _residualByCell[_columns.CellOfEntry[e]] -= _columns.ValueOfEntry[e] * delta;
            }

            if (centring)
            {
                // Centred update: the intercept absorbs the column's mean, so Σω·r stays 0.
                Coefficients[_intercept] -= _meanByColumn[j] * delta;
                _shift += _meanByColumn[j] * delta;
            }

            maxChange = Math.Max(maxChange, v * delta * delta);
        }

        return _scale > 0 ? maxChange <= _options.Tolerance * _scale : maxChange == 0;
    }

    private double Correlation(int j)
    {
        double c = 0;
        for (int e = _columns.Start[j]; e < _columns.Start[j + 1]; e++)
        {
            int cell = _columns.CellOfEntry[e];
            c += _weightByCell[cell] * _columns.ValueOfEntry[e] * _residualByCell[cell];
        }

        return c + (_meanByColumn[j] * _shift);
    }

    // r = ȳ − Xβ from β; with an intercept, the intercept is then set so that Σω·r = 0 (its exact update).
    private void RecomputeResidual()
    {
        double[] fitted = FittedByCell();
        _shift = 0;
        for (int c = 0; c < _residualByCell.Length; c++)
        {
            _residualByCell[c] = _meanByCell[c] - fitted[c];
        }

        if (_intercept >= 0)
        {
            double meanResidual = Kernels.Dot(_weightByCell, _residualByCell);
            Coefficients[_intercept] += meanResidual;
            for (int c = 0; c < _residualByCell.Length; c++)
            {
                _residualByCell[c] -= meanResidual;
            }
        }
    }

    // The single unpenalised column when it is the all-ones intercept over every cell, else -1.
    private static int InterceptColumn(CellColumns columns, bool[] penalized)
    {
        int[] free = Enumerable.Range(0, penalized.Length).Where(j => !penalized[j]).ToArray();
        if (free.Length != 1)
        {
            return -1;
        }

        int j = free[0];
        bool ones = columns.Start[j + 1] - columns.Start[j] == columns.CellCount;
        for (int e = columns.Start[j]; e < columns.Start[j + 1] && ones; e++)
        {
            ones = columns.ValueOfEntry[e] == 1.0;
        }

        return ones ? j : -1;
    }

    /// <summary>S(z, γ) = sign(z)·max(|z| − γ, 0) (Friedman et al. 2010, eq. 6).</summary>
    internal static double SoftThreshold(double z, double gamma) =>
        z > gamma ? z - gamma : z < -gamma ? z + gamma : 0.0;
}
