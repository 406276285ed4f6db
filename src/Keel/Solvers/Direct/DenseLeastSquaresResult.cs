// The result of DenseLeastSquares: rank, kept and aliased columns with their dependencies, the
// coefficients of the kept columns, the residual sum of squares, and the covariance queries.
//
// Objective: report the least-squares fit on the kept columns K, beta_K = argmin ||b − A_K β||,
// and the unscaled covariance (A_K'A_K)^{-1} = R^{-1}R^{-T} (so Cov(beta_K) = sigma²·that).
// Reference: Golub & Van Loan (2013) §5.3.3 (covariance from R without forming A'A); Searle
// (1971), Linear Models, §5.4 (estimable functions: v'β is estimable iff v lies in the row space).
//
// Invariant: all quantities are in the caller's units; internally R belongs to the power-of-two
// scaled design A' = A·S, so beta = S·x', Cov = S·Cov'·S and a linear combination v'beta is
// (S v)'x'. Components of v on aliased columns are ignored by the variance queries (aliased
// coefficients are zero in the fitted model); IsEstimable says whether that choice matters.
//
// Cost: Covariance() r³/3 + r³/6 flops (triangular inverse, then R^{-1}R^{-T}); VarianceFactor
// r² (one triangular solve); RefinedVarianceFactor 2 or 3 refinement steps of about 36·m·r.

using Keel.LinearAlgebra;

namespace Keel.Solvers.Direct;

/// <summary>One term c·a_Column of an aliased column's dependency a_j = Σ c·a_Column.</summary>
internal readonly record struct DependencyTerm(int Column, double Coefficient);

/// <summary>An aliased design column and its dependency on kept columns before it (tiny terms pruned).</summary>
internal sealed record AliasedColumn(int Column, IReadOnlyList<DependencyTerm> Dependency);

/// <summary>The QR factors and scaling a result keeps for its covariance queries.</summary>
internal sealed record DenseFactorContext(SequentialHouseholderQr Qr, ScaledKeptDesign Design, double[] ScaleByColumn, int MaxRefinementSteps);

/// <summary>
/// A factored design: the rank decisions of <see cref="DenseLeastSquares.Factor"/> (kept and aliased
/// columns, each aliased column's dependency) with the QR factors, ready for any right-hand side.
/// </summary>
internal sealed record DenseLeastSquaresFactor(DenseFactorContext Context, AliasedColumn[] AliasedColumns, double RankTolerance, DenseLeastSquaresOptions Options)
{
    /// <summary>The numerical rank r = number of kept columns.</summary>
    public int Rank => Context.Qr.Rank;

    /// <summary>Kept design columns in design order (kept position p is column KeptColumns[p]).</summary>
    public IReadOnlyList<int> KeptColumns => Context.Qr.KeptColumns;

    /// <summary>R of the kept columns (r × r, upper triangular), whose singular values are the kept design's.</summary>
    public DenseMatrix KeptR() => Context.Qr.UpperTriangle();
}

/// <summary>The outcome of <see cref="DenseLeastSquares.Solve(DenseMatrix, ReadOnlySpan{double}, DenseLeastSquaresOptions?)"/>.</summary>
internal sealed class DenseLeastSquaresResult
{
    private readonly DenseFactorContext _context;
    private readonly double[] _coefficients;
    private readonly double[] _covarianceDiagonal;
    private readonly int[] _keptPositionByColumn;

    internal DenseLeastSquaresResult(
        DenseFactorContext context,
        AliasedColumn[] aliased,
        double[] coefficients,
        double residualSumOfSquares,
        RefinementReport refinement,
        double rankTolerance,
        double estimabilityTolerance,
        double[] covarianceDiagonal,
        bool covarianceDiagonalRefined)
    {
        _context = context;
        _coefficients = coefficients;
        _covarianceDiagonal = covarianceDiagonal;
        CovarianceDiagonalRefined = covarianceDiagonalRefined;
        AliasedColumns = aliased;
        ResidualSumOfSquares = residualSumOfSquares;
        Refinement = refinement;
        RankTolerance = rankTolerance;
        EstimabilityTolerance = estimabilityTolerance;
        _keptPositionByColumn = new int[context.Qr.Columns];
        Array.Fill(_keptPositionByColumn, -1);
        for (int p = 0; p < context.Qr.Rank; p++)
        {
            _keptPositionByColumn[context.Qr.KeptColumns[p]] = p;
        }
    }

    /// <summary>m, the number of rows of A.</summary>
    public int Rows => _context.Qr.Rows;

    /// <summary>n, the number of design columns.</summary>
    public int Columns => _context.Qr.Columns;

    /// <summary>The numerical rank r = number of kept columns.</summary>
    public int Rank => _context.Qr.Rank;

    /// <summary>Kept design columns in design order (kept position p is column KeptColumns[p]).</summary>
    public IReadOnlyList<int> KeptColumns => _context.Qr.KeptColumns;

    /// <summary>Aliased design columns in design order, each with its dependency on earlier kept columns.</summary>
    public IReadOnlyList<AliasedColumn> AliasedColumns { get; }

    /// <summary>Coefficients of the kept columns, by kept position.</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    /// <summary>||b − A_K beta_K||² of the returned coefficients (residual in twice the working precision, sum in double-double).</summary>
    public double ResidualSumOfSquares { get; }

    /// <summary>How the refinement of the solution ended.</summary>
    public RefinementReport Refinement { get; }

    /// <summary>The tau used for the rank decisions (echoed so results say how they were made).</summary>
    public double RankTolerance { get; }

    /// <summary>The relative tolerance used by <see cref="IsEstimable"/>.</summary>
    public double EstimabilityTolerance { get; }

    /// <summary>rho_j/nu_j per design column: remaining norm after the earlier kept columns, relative to its own norm.</summary>
    public IReadOnlyList<double> RemainderRatioByColumn => _context.Qr.RemainderRatioByColumn;

    /// <summary>
    /// diag((A_K'A_K)^{-1}) by kept position, in the original units: from refined solves (correct
    /// to about u) when <see cref="CovarianceDiagonalRefined"/>, else from R^{-1}R^{-T} (about
    /// kappa·u). The standard error of coefficient p is sigma·sqrt(this[p]).
    /// </summary>
    public IReadOnlyList<double> CovarianceDiagonal => _covarianceDiagonal;

    /// <summary>Whether <see cref="CovarianceDiagonal"/> was refined (options.RefineCovarianceDiagonal).</summary>
    public bool CovarianceDiagonalRefined { get; }

    /// <summary>
    /// R of the kept columns (r × r, upper triangular). Its singular values are those of the kept
    /// design (Q is orthogonal), so conditioning can be read from r² numbers instead of m·r.
    /// </summary>
    public DenseMatrix KeptR() => _context.Qr.UpperTriangle();

    /// <summary>The power-of-two factor column <paramref name="column"/> was multiplied by before factorising (R is of the scaled columns).</summary>
    public double ScaleOf(int column) => _context.ScaleByColumn[column];

    /// <summary>The kept position of a design column, or -1 when it is aliased.</summary>
    public int KeptPositionOf(int column) => _keptPositionByColumn[column];

    /// <summary>Coefficients by design column, NaN for aliased columns (which have no estimate).</summary>
    public double[] CoefficientByColumn()
    {
        var byColumn = new double[Columns];
        Array.Fill(byColumn, double.NaN);
        for (int p = 0; p < Rank; p++)
        {
            byColumn[KeptColumns[p]] = _coefficients[p];
        }

        return byColumn;
    }

    /// <summary>
    /// (A_K'A_K)^{-1} = R^{-1}R^{-T} (r × r, by kept position) from the triangular inverse, never
    /// from inverting A'A; relative accuracy about kappa·u.
    /// </summary>
    public DenseMatrix Covariance()
    {
        DenseMatrix inverse = _context.Qr.InverseR();
        int rank = Rank;
        var covariance = new DenseMatrix(rank, rank);
        // Rinv transposed, so that row p of Rinv is contiguous (column p here): the sums below then
        // read memory in order instead of with stride r. Same terms in the same order, same bits.
        DenseMatrix rowsOfInverse = new(rank, rank);
        for (int l = 0; l < rank; l++)
        {
            for (int p = 0; p <= l; p++)
            {
                rowsOfInverse[l, p] = inverse[p, l];
            }
        }

        for (int q = 0; q < rank; q++)
        {
            ReadOnlySpan<double> rowQ = rowsOfInverse.Column(q);
            for (int p = 0; p <= q; p++)
            {
                // (R^{-1}R^{-T})(p, q) = Σ_{l >= q} Rinv(p, l)·Rinv(q, l); Rinv is upper triangular.
                ReadOnlySpan<double> rowP = rowsOfInverse.Column(p);
                double sum = 0;
                for (int l = q; l < rank; l++)
                {
                    sum += rowP[l] * rowQ[l];
                }

                double value = sum * _context.ScaleByColumn[KeptColumns[p]] * _context.ScaleByColumn[KeptColumns[q]];
                covariance[p, q] = value;
                covariance[q, p] = value;
            }
        }

        return covariance;
    }

    /// <summary>
    /// v'(A_K'A_K)^{-1}v = ||R^{-T} v_K||² for a row v over all n design columns (aliased
    /// components ignored), so Var(v'beta) = sigma²·this. Relative accuracy about kappa·u.
    /// </summary>
    public double VarianceFactor(ReadOnlySpan<double> v)
    {
        double[] h = ScaledKeptPart(v, negate: false);
        _context.Qr.SolveRTransposed(h);
        return AugmentedSystemRefinement.SumOfSquares(h);
    }

    /// <summary>The same quantity as <see cref="VarianceFactor"/>, refined through the augmented system (correct to about u).</summary>
    public double RefinedVarianceFactor(ReadOnlySpan<double> v)
    {
        double[] c = ScaledKeptPart(v, negate: true);
        var x = new double[Rank];
        var residual = new double[Rows];
        var zeroB = new double[Rows];
        AugmentedSystemRefinement.Solve(_context.Qr, _context.Design, zeroB, ReadOnlySpan<double>.Empty, c, x, residual, _context.MaxRefinementSteps);
        return AugmentedSystemRefinement.SumOfSquares(residual);
    }

    /// <summary>
    /// Whether v'beta (v a row over all n design columns) is determined by the data: v must be
    /// orthogonal to each null vector e_j − Σ c_k e_k, i.e. v_j = Σ c_k v_k for every aliased
    /// column j, up to EstimabilityTolerance·(|v_j| + Σ|c_k v_k|).
    /// </summary>
    public bool IsEstimable(ReadOnlySpan<double> v)
    {
        CheckLength(v);
        foreach (AliasedColumn aliased in AliasedColumns)
        {
            double combination = 0;
            double magnitude = Math.Abs(v[aliased.Column]);
            foreach (DependencyTerm term in aliased.Dependency)
            {
                double part = term.Coefficient * v[term.Column];
                combination += part;
                magnitude += Math.Abs(part);
            }

            if (Math.Abs(v[aliased.Column] - combination) > EstimabilityTolerance * magnitude)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>(S v)_K, the row in the scaled kept coordinates (negated for the refinement's c = -v).</summary>
    private double[] ScaledKeptPart(ReadOnlySpan<double> v, bool negate)
    {
        CheckLength(v);
        var part = new double[Rank];
        for (int p = 0; p < Rank; p++)
        {
            int column = KeptColumns[p];
            double value = v[column] * _context.ScaleByColumn[column];
            part[p] = negate ? -value : value;
        }

        return part;
    }

    private void CheckLength(ReadOnlySpan<double> v)
    {
        if (v.Length != Columns)
        {
            throw new ArgumentException($"expected a row of {Columns} design columns, got {v.Length}", nameof(v));
        }
    }
}
