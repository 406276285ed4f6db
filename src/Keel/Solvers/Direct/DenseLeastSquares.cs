// Weighted least squares on a dense design by Householder QR in design order, with sequential
// aliasing and Björck's iterative refinement at the double-precision ceiling.
//
// Objective: minimise Σ_i w_i (y_i − x_i'β)² = ||b − Aβ||², where the caller passes
// A = diag(sqrt w)·X and b = diag(sqrt w)·y (m × n, column-major). Optionally A = AHi + ALo and
// b = bHi + bLo are given as double-double (for example powers of x computed in double-double,
// or exact cell sums), and the refinement then solves the problem of those exact data.
//
// Reference: Golub & Van Loan (2013), §5.2 (Householder QR), §5.3.3 and §5.4 (least squares,
// rank deficiency); Björck (1967; 1996 §2.9) for the refinement; Higham (2002) §19.3 and §20
// for the error bounds behind the tolerances. docs/dense-qr.md states every derivation.
//
// Invariant: columns and b are first multiplied by powers of two (exact) so that each scaled
// column has norm in [1/2, 1); the rank decisions, dependencies and the solution are therefore
// independent of the units of each column (bitwise, for power-of-two changes of units), and the
// results are unscaled exactly. Of collinear columns the earliest in design order is kept.
//
// Cost: about 2·m·n·r flops for the factorisation (r = rank), about 36·m·r per refinement step
// (typically 2 or 3), and for the refined covariance diagonal the same again per kept column.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Direct;

/// <summary>Dense least squares by QR in design order with refinement (see file header).</summary>
internal static class DenseLeastSquares
{
    /// <summary>Least squares for the double data A (m × n, rows pre-multiplied by sqrt(weight)) and b.</summary>
    public static DenseLeastSquaresResult Solve(DenseMatrix a, ReadOnlySpan<double> b, DenseLeastSquaresOptions? options = null) =>
        Solve(a, b, null, ReadOnlySpan<double>.Empty, options);

    /// <summary>
    /// Least squares for the double-double data A = a + aLow, b = b + bLow. The factorisation
    /// uses a; the refinement residuals use the full data, so the solution is that of the
    /// double-double problem. Null <paramref name="aLow"/> and empty <paramref name="bLow"/> mean zero.
    /// </summary>
    public static DenseLeastSquaresResult Solve(
        DenseMatrix a,
        ReadOnlySpan<double> b,
        DenseMatrix? aLow,
        ReadOnlySpan<double> bLow,
        DenseLeastSquaresOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ValidateTarget(a.Rows, b, bLow);
        return Solve(Factor(a, aLow, options), b, bLow);
    }

    /// <summary>
    /// The rank decisions alone: the exact power-of-two scaling, the sequential Householder QR with
    /// its decisions, and each aliased column's dependency on the kept columns before it. A factor
    /// serves any right-hand side (<see cref="Solve(DenseLeastSquaresFactor, ReadOnlySpan{double}, ReadOnlySpan{double})"/>).
    /// </summary>
    public static DenseLeastSquaresFactor Factor(DenseMatrix a, DenseMatrix? aLow = null, DenseLeastSquaresOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        options ??= DenseLeastSquaresOptions.Default;
        int m = a.Rows;
        int n = a.Columns;
        ValidateDesign(a, aLow, options);

        // Exact power-of-two scaling: column norms into [1/2, 1).
        var scaleByColumn = new double[n];
        var scaledNormByColumn = new double[n];
        var scaled = new double[checked(m * n)];
        double[]? scaledLow = aLow is null ? null : new double[m * n];
        for (int j = 0; j < n; j++)
        {
            double s = PowerOfTwoScale(a.Column(j));
            scaleByColumn[j] = s;
            Span<double> column = scaled.AsSpan(j * m, m);
            Multiply(a.Column(j), s, column);
            scaledNormByColumn[j] = Kernels.PairwiseNorm2(column);
            if (aLow is not null && scaledLow is not null)
            {
                Multiply(aLow.Column(j), s, scaledLow.AsSpan(j * m, m));
            }
        }

        double tau = options.RankTolerance ?? DenseLeastSquaresOptions.DerivedRankTolerance(m, n);
        var qr = SequentialHouseholderQr.Factor(scaled, m, n, tau);
        var design = GatherKept(qr.KeptColumns, m, scaled, scaledLow);
        AliasedColumn[] dependencies = Dependencies(qr, design, scaled, scaledLow, scaleByColumn, scaledNormByColumn, tau, options.MaxRefinementSteps);
        return new DenseLeastSquaresFactor(new DenseFactorContext(qr, design, scaleByColumn, options.MaxRefinementSteps), dependencies, tau, options);
    }

    /// <summary>The refined least-squares solution of a factored design for b = b + bLow (empty bLow means zero).</summary>
    public static DenseLeastSquaresResult Solve(DenseLeastSquaresFactor factor, ReadOnlySpan<double> b, ReadOnlySpan<double> bLow)
    {
        ArgumentNullException.ThrowIfNull(factor);
        SequentialHouseholderQr qr = factor.Context.Qr;
        ScaledKeptDesign design = factor.Context.Design;
        double[] scaleByColumn = factor.Context.ScaleByColumn;
        DenseLeastSquaresOptions options = factor.Options;
        int m = qr.Rows;
        ValidateTarget(m, b, bLow);

        // b scaled by a power of two likewise.
        double bScale = PowerOfTwoScale(b);
        var bHi = new double[m];
        Multiply(b, bScale, bHi);
        double[] bLo = bLow.IsEmpty ? [] : new double[m];
        Multiply(bLow, bScale, bLo);

        int rank = qr.Rank;
        var x = new double[rank];
        var residual = new double[m];
        RefinementReport report = AugmentedSystemRefinement.Solve(
            qr, design, bHi, bLo, ReadOnlySpan<double>.Empty, x, residual, options.MaxRefinementSteps);
        double rss = AugmentedSystemRefinement.ResidualSumOfSquares(design, bHi, bLo, x) / (bScale * bScale);

        var coefficients = new double[rank];
        for (int p = 0; p < rank; p++)
        {
            coefficients[p] = x[p] * scaleByColumn[qr.KeptColumns[p]] / bScale;
        }

        bool refineCovariance = options.RefineCovarianceDiagonal;
        double[] covarianceDiagonal = refineCovariance
            ? RefinedCovarianceDiagonal(qr, design, scaleByColumn, options.MaxRefinementSteps)
            : FastCovarianceDiagonal(qr, scaleByColumn);

        return new DenseLeastSquaresResult(
            factor.Context,
            factor.AliasedColumns,
            coefficients,
            rss,
            report,
            factor.RankTolerance,
            options.EstimabilityTolerance,
            covarianceDiagonal,
            refineCovariance);
    }

    /// <summary>
    /// 2^-e with e chosen so that the scaled vector's norm lies in [1/2, 1); 1 for a zero vector.
    /// The norm is taken after a first scaling by the largest entry, so it never overflows.
    /// </summary>
    internal static double PowerOfTwoScale(ReadOnlySpan<double> v)
    {
        double maxAbs = 0;
        for (int i = 0; i < v.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(v[i]));
        }

        if (maxAbs == 0)
        {
            return 1.0;
        }

        int e1 = Math.ILogB(maxAbs);
        double pre = Math.ScaleB(1.0, -e1);
        double sumOfSquares = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double t = v[i] * pre;
            sumOfSquares += t * t;
        }

        int e2 = Math.ILogB(Math.Sqrt(sumOfSquares)) + 1;
        // Clamped so the factor itself stays a normal double (only vectors near the subnormal range are affected).
        return Math.ScaleB(1.0, Math.Clamp(-e1 - e2, -1022, 1023));
    }

    /// <summary>
    /// The dependency a_j = Σ c_k a_k of each aliased column on the k kept columns before it, in
    /// the original units: the least-squares coefficients of a_j on those columns, refined like
    /// the solution (so an exact dependency such as a_j = a_0 comes out as exactly 1.0, not
    /// 1 − 2u). A term is pruned when |c'_k|·||a'_k|| &lt;= tau·||a'_j|| (scaled units):
    /// dropping it moves the combination by no more than the rank decision already allows.
    /// </summary>
    private static AliasedColumn[] Dependencies(
        SequentialHouseholderQr qr,
        ScaledKeptDesign design,
        double[] scaled,
        double[]? scaledLow,
        double[] scaleByColumn,
        double[] scaledNormByColumn,
        double tau,
        int maxSteps)
    {
        int m = design.Rows;
        var aliased = new AliasedColumn[qr.Aliased.Count];
        var residual = new double[m];
        for (int q = 0; q < aliased.Length; q++)
        {
            int j = qr.Aliased[q].Column;
            int k = qr.Aliased[q].KeptBefore;
            var cScaled = new double[k];
            var leading = design with { Rank = k };
            ReadOnlySpan<double> low = scaledLow is null ? ReadOnlySpan<double>.Empty : scaledLow.AsSpan(j * m, m);
            AugmentedSystemRefinement.Solve(qr, leading, scaled.AsSpan(j * m, m), low, ReadOnlySpan<double>.Empty, cScaled, residual, maxSteps);
            var terms = new List<DependencyTerm>();
            for (int p = 0; p < k; p++)
            {
                int kept = qr.KeptColumns[p];
                if (Math.Abs(cScaled[p]) * scaledNormByColumn[kept] <= tau * scaledNormByColumn[j])
                {
                    continue;
                }

                // a'_j = Σ c'_k a'_k with a'_k = s_k a_k, so c_k = c'_k s_k / s_j (exact).
                terms.Add(new DependencyTerm(kept, cScaled[p] * scaleByColumn[kept] / scaleByColumn[j]));
            }

            aliased[q] = new AliasedColumn(j, terms);
        }

        return aliased;
    }

    /// <summary>diag((A'A)^{-1}) in the original units, each entry ||r||² of a refined solve with c = -e_p.</summary>
    private static double[] RefinedCovarianceDiagonal(SequentialHouseholderQr qr, ScaledKeptDesign design, double[] scaleByColumn, int maxSteps)
    {
        int rank = qr.Rank;
        var diagonal = new double[rank];
        var c = new double[rank];
        var zeroB = new double[design.Rows];
        var x = new double[rank];
        var residual = new double[design.Rows];
        for (int p = 0; p < rank; p++)
        {
            c[p] = -1.0;
            AugmentedSystemRefinement.Solve(qr, design, zeroB, ReadOnlySpan<double>.Empty, c, x, residual, maxSteps);
            c[p] = 0.0;
            double s = scaleByColumn[qr.KeptColumns[p]];
            diagonal[p] = AugmentedSystemRefinement.SumOfSquares(residual) * s * s;
        }

        return diagonal;
    }

    /// <summary>diag(R^{-1}R^{-T}) in the original units: squared row norms of R^{-1}, relative accuracy about kappa·u.</summary>
    private static double[] FastCovarianceDiagonal(SequentialHouseholderQr qr, double[] scaleByColumn)
    {
        DenseMatrix inverse = qr.InverseR();
        var diagonal = new double[qr.Rank];
        for (int p = 0; p < qr.Rank; p++)
        {
            double sum = 0;
            for (int l = p; l < qr.Rank; l++)
            {
                sum += inverse[p, l] * inverse[p, l];
            }

            double s = scaleByColumn[qr.KeptColumns[p]];
            diagonal[p] = sum * s * s;
        }

        return diagonal;
    }

    private static ScaledKeptDesign GatherKept(IReadOnlyList<int> kept, int m, double[] scaled, double[]? scaledLow)
    {
        var hi = new double[m * kept.Count];
        double[]? lo = scaledLow is null ? null : new double[m * kept.Count];
        for (int p = 0; p < kept.Count; p++)
        {
            scaled.AsSpan(kept[p] * m, m).CopyTo(hi.AsSpan(p * m, m));
            if (scaledLow is not null && lo is not null)
            {
                scaledLow.AsSpan(kept[p] * m, m).CopyTo(lo.AsSpan(p * m, m));
            }
        }

        return new ScaledKeptDesign(m, kept.Count, hi, lo);
    }

    private static void Multiply(ReadOnlySpan<double> source, double factor, Span<double> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = source[i] * factor;
        }
    }

    private static void ValidateDesign(DenseMatrix a, DenseMatrix? aLow, DenseLeastSquaresOptions options)
    {
        if (aLow is not null && (aLow.Rows != a.Rows || aLow.Columns != a.Columns))
        {
            throw new ArgumentException("aLow must have the shape of A", nameof(aLow));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRefinementSteps);
        if (options.RankTolerance is double t && !(t >= 0 && t < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "RankTolerance must lie in [0, 1)");
        }

        if (!AllFinite(a.Values) || (aLow is not null && !AllFinite(aLow.Values)))
        {
            throw new ArgumentException("A and b must be finite (drop or impute missing values before solving)");
        }
    }

    private static void ValidateTarget(int rows, ReadOnlySpan<double> b, ReadOnlySpan<double> bLow)
    {
        if (b.Length != rows)
        {
            throw new ArgumentException($"b has {b.Length} entries but A has {rows} rows", nameof(b));
        }

        if (!bLow.IsEmpty && bLow.Length != rows)
        {
            throw new ArgumentException($"bLow has {bLow.Length} entries but A has {rows} rows", nameof(bLow));
        }

        if (!AllFinite(b) || !AllFinite(bLow))
        {
            throw new ArgumentException("A and b must be finite (drop or impute missing values before solving)");
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> v)
    {
        for (int i = 0; i < v.Length; i++)
        {
            if (!double.IsFinite(v[i]))
            {
                return false;
            }
        }

        return true;
    }
}
