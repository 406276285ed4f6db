using System.Globalization;
using Keel.Compression;
using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Solvers;

namespace Keel.Results;

/// <summary>
/// Turns a design and its solution into the contract's result: coefficient statuses and estimates,
/// fit statistics from the cells (RSS = Σ Σw·(mean − fitted)² + pure error), and the warnings.
/// </summary>
internal static class ResultAssembler
{
    /// <summary>
    /// Scaled condition numbers above 1/sqrt(eps) ≈ 6.7e7 (2^26) get ILL_CONDITIONED: beyond it a
    /// solution through the normal equations keeps no correct digit, and a QR solution fewer than half.
    /// </summary>
    public const double IllConditionedThreshold = 67108864.0;

    /// <param name="design">The design solved (for a likelihood fit: the last IRLS step's working design).</param>
    /// <param name="solution">Its solution.</param>
    /// <param name="diagnoseOnly">No estimates, only diagnostics.</param>
    /// <param name="glm">For `--family poisson|binomial`: the likelihood fit's statistics, replacing the least-squares ones.</param>
    /// <param name="solver">Which solver ran, why, on how many threads (the result's solver block).</param>
    /// <param name="standardErrors">Which standard errors to report (<see cref="StandardErrorAssembly"/>); null leaves the classical ones unnamed (a penalised fit).</param>
    /// <param name="fitted">The cells' fitted means when the caller already has them (<see cref="LeastSquaresSolution.FittedByCell"/>), computed here otherwise; for a likelihood fit the means μ (a separated cell's own mean), from which the sandwich's scores are taken.</param>
    public static FitResult Assemble(Design design, LeastSquaresSolution solution, bool diagnoseOnly, SolverReport solver, GlmReport? glm = null, StandardErrorRequest? standardErrors = null, double[]? fitted = null)
    {
        CellTable cells = design.Cells;
        bool reportsExpEstimate = design.Formula.Response.Log || glm is not null;  // as FitResult.ReportsExpEstimate

        // The parts in the order they depend on each other: coefficients, statistics with the
        // classical standard errors, warnings (which read both), robust standard errors; then the
        // result is built once, and sanitised.
        var clock = new SubStageClock("assemble");
        IReadOnlyList<CoefficientResult> coefficients = CoefficientsOf(design, solution, diagnoseOnly, glm, reportsExpEstimate);
        clock.Lap("coefficients");
        FitStatistics statistics;
        if (glm is not null)
        {
            // Deviances instead of sums of squares, dispersion 1 (R's summary.glm for poisson and
            // binomial), so a standard error is sqrt of the diagonal of (X'ΩX)⁻¹.
            statistics = new FitStatistics { DfResidual = glm.RowsFitted - solution.Rank, CellsWithReplicates = ReplicatedCells(design) };
            if (solution.CovarianceDiagonal is { } cov)
            {
                coefficients = coefficients.Select((c, i) => design.SolvedOfColumn[i] is int j && j >= 0 && !solution.Aliased[j] && c.Status == CoefficientStatus.Estimated ? c with { StdError = Math.Sqrt(cov[j]) } : c).ToList();
            }
        }
        else if (!diagnoseOnly)
        {
            statistics = LeastSquaresStatistics(design, solution, fitted ??= solution.FittedByCell(design));
            if (statistics.Sigma is { } s && solution.CovarianceDiagonal is { } cov)
            {
                coefficients = coefficients.Select((c, i) => design.SolvedOfColumn[i] is int j && j >= 0 && !solution.Aliased[j] ? c with { StdError = s * Math.Sqrt(cov[j]) } : c).ToList();
            }
        }
        else
        {
            // No solve, no residuals: only the pure error the cells determine.
            statistics = new FitStatistics { PureErrorSs = PureError.Total(cells, out long replicated), CellsWithReplicates = replicated };
        }

        clock.Lap("statistics");
        List<FitWarning> warnings = WarningsOf(design, solution, diagnoseOnly, glm, coefficients, statistics, reportsExpEstimate, out int singletons);
        var nearDependencies = (solution.NearDependencies ?? []).Select(near => (near.ConditionIndex, (IReadOnlyList<(string, double)>)near.Involved.Select(i => (design.Columns[design.ColumnOfSolved[i.Column]].Name, i.Proportion)).ToList())).ToList();
        clock.Lap("warnings");
        // A likelihood fit's covariance is (X'ΩX)⁻¹ itself (dispersion 1): predict's scale is 1.
        ModelSpec model = ModelSpec.From(design, diagnoseOnly ? null : solution, glm is not null ? 1.0 : statistics.Sigma);
        clock.Lap("model");
        if (diagnoseOnly)
        {
            // keel diagnose: statuses and diagnostics only.
            coefficients = coefficients.Select(c => c.WithoutValues()).ToList();
        }

        StandardErrorBlock? robust = null;
        if (standardErrors is not null)
        {
            robust = StandardErrorAssembly.Apply(coefficients, design, solution, fitted ?? solution.FittedByCell(design), standardErrors, glm?.RowsFitted ?? cells.Counts.RowsUsed);
            coefficients = robust.Coefficients;
            if (robust.Warning is { } warning)
            {
                warnings.Add(warning);
            }
        }

        var result = new FitResult
        {
            SolverName = solver.Name,
            SolverReason = solver.Reason,
            Threads = Math.Max(1, solver.Threads),
            Formula = design.Formula.Text,
            LogTarget = design.Formula.Response.Log,
            Glm = glm,
            Rows = cells.Counts.RowsUsed,
            Cells = cells.CellCount,
            DroppedRows = cells.Counts.Dropped,
            Parameters = design.SolvedCount,
            Rank = solution.Rank,
            ConditionNumber = solution.ConditionNumber,
            ConditionMethod = solution.ConditionMethod,
            Converged = solution.Converged && (glm?.Converged ?? true),
            Iterations = glm?.Iterations ?? solution.Iterations,
            Tolerance = glm?.Tolerance ?? solution.Tolerance,
            StopReason = glm?.StopReason ?? solution.StopReason,
            Penalty = solution.Penalty,
            Coefficients = coefficients,
            CellsWithReplicates = statistics.CellsWithReplicates,
            DfResidual = statistics.DfResidual,
            PureErrorSs = statistics.PureErrorSs,
            Rss = statistics.Rss,
            Tss = statistics.Tss,
            RSquared = statistics.RSquared,
            AdjRSquared = statistics.AdjRSquared,
            Sigma = statistics.Sigma,
            ModelF = statistics.ModelF,
            LackOfFit = statistics.LackOfFit,
            Warnings = warnings,
            SingletonLevels = singletons,
            NearDependencies = nearDependencies,
            Model = model,
            StdErrorType = robust?.Type,
            Clusters = robust?.Clusters,
        };

        // Last: no NaN or infinity leaves the assembler (each becomes null, named in a warning).
        return ResultSanitizer.Sanitize(result);
    }

    private static long ReplicatedCells(Design design) => Enumerable.Range(0, design.CellCount).LongCount(c => design.Cells.RowCount[c] > 1);

    private static List<CoefficientResult> CoefficientsOf(Design design, LeastSquaresSolution solution, bool diagnoseOnly, GlmReport? glm, bool reportsExpEstimate)
    {
        var coefficients = new List<CoefficientResult>(design.Columns.Length);
        for (int i = 0; i < design.Columns.Length; i++)
        {
            DesignColumn column = design.Columns[i];
            int j = design.SolvedOfColumn[i];
            CoefficientStatus status;
            double? estimate = null;
            IReadOnlyList<string>? aliasedWith = null;
            string? explanation = null;
            if (j < 0)
            {
                status = CoefficientStatus.Reference;
                estimate = 0.0;
            }
            else if (glm?.SeparatedColumns[j] == true)
            {
                status = CoefficientStatus.Separated;
            }
            else if (solution.Aliased[j])
            {
                status = CoefficientStatus.Aliased;
                var partners = solution.Dependencies.TryGetValue(j, out var d) ? d : [];
                aliasedWith = partners.Select(p => design.Columns[design.ColumnOfSolved[p.Column]].Name).ToList();
                explanation = AliasExplainer.Explain(column.Name, partners.Select(p => (design.Columns[design.ColumnOfSolved[p.Column]].Name, p.Coefficient)).ToList());
            }
            else
            {
                status = solution.PenalizedColumns?[j] == true ? CoefficientStatus.Regularized : CoefficientStatus.Estimated;
                estimate = diagnoseOnly ? null : solution.Coefficients[j];
            }

            double? exp = reportsExpEstimate ? CoefficientResult.GuardedExp(estimate) : null;
            coefficients.Add(new CoefficientResult { Name = column.Name, Term = column.Term, Level = column.Level, Status = status, Estimate = estimate, AliasedWith = aliasedWith, AliasExplanation = explanation, ExpEstimate = exp });
        }

        return coefficients;
    }

    /// <summary>
    /// The lack-of-fit F test (Draper &amp; Smith §2.1): the between-cell residual sum of squares over
    /// its lackDf against the pure error over its pureDf; null without both degrees of freedom or pure error.
    /// </summary>
    internal static FTest? LackOfFit(double between, double pureError, long lackDf, long pureDf)
    {
        if (!(lackDf > 0 && pureDf > 0 && pureError > 0))
        {
            return null;
        }

        double f = (between / lackDf) / (pureError / pureDf);
        return new FTest(f, lackDf, pureDf, StudentT.FUpperTail(f, lackDf, pureDf));
    }

    /// <summary>CONFLICTING_DUPLICATES when over half the residual sum of squares is pure error (both paths).</summary>
    internal static void AddConflictingDuplicates(List<FitWarning> warnings, FitStatistics statistics)
    {
        if (statistics.PureErrorSs is { } pe && statistics.Rss is { } rss && rss > 0 && pe > 0.5 * rss)
        {
            warnings.Add(new FitWarning(WarningCodes.ConflictingDuplicates, $"{100 * pe / rss:0.#}% of the residual sum of squares is variation between rows with identical regressors ({statistics.CellsWithReplicates} cells hold several rows with different targets): no model of these columns can explain it"));
        }
    }

    private static FitStatistics LeastSquaresStatistics(Design design, LeastSquaresSolution solution, double[] fitted)
    {
        CellTable cells = design.Cells;
        // Ordinary targets (k = 0): sums in cell order, as always. Targets beyond 2^±400 (k ≠ 0):
        // every sum of squares is scaled before squaring (see RootSumsOfSquares).
        int k = design.TargetScaleExponent;
        long replicated = ReplicatedCells(design);
        long n = cells.Counts.RowsUsed;
        long df = n - solution.Rank;
        long dfTotal = n - (design.Formula.HasIntercept ? 1 : 0);
        int modelDf = solution.Rank - (design.Formula.HasIntercept ? 1 : 0);
        // Lack of fit (Draper & Smith §2.1): between-cell residual against pure error.
        long lackDf = design.CellCount - solution.Rank;
        long pureDf = n - design.CellCount;
        double pureErrorSs, rss, tss;
        double? rSquared, sigma;
        FTest? modelF = null, lackOfFit = null;
        if (k == 0)
        {
            (double pureError, double between, double rssK, double tssK) = SumsOfSquares(design, solution, fitted);
            (pureErrorSs, rss, tss) = (pureError, rssK, tssK);
            rSquared = tss > 0 ? 1.0 - (rss / tss) : null;
            sigma = df > 0 ? Math.Sqrt(rss / df) : null;
            if (modelDf > 0 && df > 0 && rss > 0)
            {
                double f = (tss - rss) / modelDf / (rss / df);
                modelF = new FTest(f, modelDf, df, StudentT.FUpperTail(f, modelDf, df));
            }

            lackOfFit = LackOfFit(between, pureError, lackDf, pureDf);
        }
        else
        {
            // Targets beyond 2^±400: every sum of squares is carried as its square root (a safely
            // scaled norm), and the statistics are ratios of roots, squared last. A sum beyond the
            // double range becomes null, but sigma, R² and F, which are in range, stay exact.
            (double rootPure, double rootBetween, double rootRss, double rootTss) = RootSumsOfSquares(design, solution, fitted);
            pureErrorSs = rootPure * rootPure;
            rss = rootRss * rootRss;
            tss = rootTss * rootTss;
            double rssOverTss = rootTss > 0 ? Square(rootRss / rootTss) : double.NaN;
            rSquared = rootTss > 0 ? 1.0 - rssOverTss : null;
            sigma = df > 0 ? rootRss / Math.Sqrt(df) : null;
            if (modelDf > 0 && df > 0 && rootRss > 0)
            {
                double f = (1.0 - rssOverTss) / rssOverTss * df / modelDf;
                modelF = new FTest(f, modelDf, df, StudentT.FUpperTail(f, modelDf, df));
            }

            if (lackDf > 0 && pureDf > 0 && rootPure > 0)
            {
                double f = Square(rootBetween / rootPure) * pureDf / lackDf;
                lackOfFit = new FTest(f, lackDf, pureDf, StudentT.FUpperTail(f, lackDf, pureDf));
            }
        }

        double? adjRSquared = rSquared is { } r2 && df > 0 ? 1.0 - ((1.0 - r2) * dfTotal / df) : null;
        return new FitStatistics
        {
            CellsWithReplicates = replicated,
            DfResidual = df,
            PureErrorSs = pureErrorSs,
            Rss = rss,
            Tss = tss,
            RSquared = rSquared,
            Sigma = sigma,
            ModelF = modelF,
            LackOfFit = lackOfFit,
            AdjRSquared = adjRSquared,
        };
    }

    private static (double PureError, double Between, double Rss, double Tss) SumsOfSquares(Design design, LeastSquaresSolution solution, double[] fitted)
    {
        CellTable cells = design.Cells;
        double pureError = PureError.Total(cells, out _);
        double between = 0;
        ExactSum totalW = default, totalWy = default, totalWy2 = default;
        for (int c = 0; c < design.CellCount; c++)
        {
            double d = design.CellMean[c] - fitted[c];
            between += design.CellWeight[c] * d * d;
            totalW.Add(in cells.SumW[c]);
            totalWy.Add(in cells.SumWy[c]);
            totalWy2.Add(in cells.SumWy2[c]);
        }

        // The solver's own residual sum (double-double on the dense path) where it is a normal double:
        // recomputed from fitted values in double it loses the digits that cancel in x'β (Filip).
        if (solution.BetweenCellsResidualSumOfSquares is { } solverBetween && double.IsNormal(solverBetween))
        {
            between = solverBetween;
        }

        double rss = between + pureError;
        double tss;
        if (design.Formula.HasIntercept)
        {
            double grandMean = totalWy.ToDouble() / totalW.ToDouble();
            double spread = 0;
            for (int c = 0; c < design.CellCount; c++)
            {
                double d = design.CellMean[c] - grandMean;
                spread += design.CellWeight[c] * d * d;
            }

            tss = spread + pureError;
        }
        else
        {
            tss = totalWy2.ToDouble();
        }

        return (pureError, between, rss, tss);
    }

    /// <summary>
    /// The square roots of the sums of squares for targets beyond 2^±400, scaled before squaring:
    /// each is a safely scaled 2-norm (Kernels.Norm2 scales by a power of two when the plain sum of
    /// squares would overflow or underflow) of the terms √w·(mean − fitted), √w·(mean − grand mean),
    /// and of the per-cell roots of the pure error; RSS = between + pure error is combined as a norm
    /// of two roots. Differences are halved before subtracting (exact) and the norm doubled, so two
    /// means near ±1.7e308 do not overflow in their difference.
    /// </summary>
    private static (double RootPure, double RootBetween, double RootRss, double RootTss) RootSumsOfSquares(Design design, LeastSquaresSolution solution, double[] fitted)
    {
        CellTable cells = design.Cells;
        double rootPure = PureError.RootTotalScaledPerCell(cells);
        var term = new double[design.CellCount];
        ExactSum totalW = default, totalWy = default, totalWy2 = default;
        for (int c = 0; c < design.CellCount; c++)
        {
            term[c] = Math.Sqrt(design.CellWeight[c]) * ((0.5 * design.CellMean[c]) - (0.5 * fitted[c]));
            totalW.Add(in cells.SumW[c]);
            totalWy.Add(in cells.SumWy[c]);
            totalWy2.Add(in cells.SumWy2[c]);
        }

        double rootBetween = 2 * Kernels.Norm2(term);
        double rootRss = Kernels.Norm2([rootBetween, rootPure]);
        double rootTss;
        if (design.Formula.HasIntercept)
        {
            double grandMean = totalWy.ToDouble() / totalW.ToDouble();
            for (int c = 0; c < design.CellCount; c++)
            {
                term[c] = Math.Sqrt(design.CellWeight[c]) * ((0.5 * design.CellMean[c]) - (0.5 * grandMean));
            }

            rootTss = Kernels.Norm2([2 * Kernels.Norm2(term), rootPure]);
        }
        else
        {
            rootTss = PureError.SquareRoot(totalWy2);
        }

        return (rootPure, rootBetween, rootRss, rootTss);
    }

    private static double Square(double x) => x * x;

    // COLLINEAR: Belsley's harmful near-dependencies, one warning each (rule and refinements: CollinearityWarnings).
    private static void AddCollinearWarnings(List<FitWarning> warnings, Design design, LeastSquaresSolution solution)
    {
        var near = (solution.NearDependencies ?? []).Select(d => (d.ConditionIndex, (IReadOnlyList<int>)d.Involved.Select(i => i.Column).ToList()));
        foreach (string message in CollinearityWarnings.Messages(design, near))
        {
            warnings.Add(new FitWarning(WarningCodes.Collinear, message));
        }
    }

    private static List<FitWarning> WarningsOf(Design design, LeastSquaresSolution solution, bool diagnoseOnly, GlmReport? glm, IReadOnlyList<CoefficientResult> coefficients, FitStatistics statistics, bool reportsExpEstimate, out int singletons)
    {
        var warnings = new List<FitWarning>();
        CellTable cells = design.Cells;
        RowPassCounts counts = cells.Counts;
        RowsLeftOutWarnings.Add(warnings, counts.RowsRead, counts.DroppedMissing, counts.DroppedInvalid, counts.ZeroWeightRows);

        if (!solution.Converged)
        {
            warnings.Add(new FitWarning(WarningCodes.NotConverged, $"the solver stopped before converging ({solution.StopReason}); estimates are not reliable"));
        }
        else if (glm is { Converged: false })
        {
            warnings.Add(new FitWarning(WarningCodes.NotConverged, "the likelihood iterations reached their limit before the deviance settled; estimates are not reliable (a coefficient running away can mean separation Keel does not detect yet, docs/glm.md)"));
        }

        if (!solution.AliasingChecked)
        {
            warnings.Add(new FitWarning(WarningCodes.AliasingUnchecked, "the design is too large for Keel's exact rank decision on this path: only empty columns are marked aliased; the estimates of any other aliased columns are minimum-norm values, not identified effects"));
        }

        if (glm?.SeparationMessage is { } separation)
        {
            warnings.Add(new FitWarning(WarningCodes.Separation, separation));
        }

        var aliased = coefficients.Where(c => c.Status == CoefficientStatus.Aliased).ToList();
        if (aliased.Count > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.Aliased, AliasWarning.Text(aliased)));
        }

        if (solution.ConditionNumber is { } kappa && kappa > IllConditionedThreshold)
        {
            warnings.Add(new FitWarning(WarningCodes.IllConditioned, $"the scaled condition number is {kappa:0.##e0} (above {IllConditionedThreshold:0.#e0}): about {Math.Log10(kappa):0} of 16 digits are at risk"));
        }

        AddCollinearWarnings(warnings, design, solution);
        singletons = SingletonLevels.Count(design, out string? example);
        if (singletons > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.SingletonLevels, $"{singletons} categorical level(s) occur in exactly one row (e.g. {example}); their coefficients rest on a single observation"));
        }

        AddConflictingDuplicates(warnings, statistics);

        if (diagnoseOnly)
        {
            // No residuals without a solve: sigma and standard errors are the fit's business.
        }
        else if (glm is not null)
        {
            // Dispersion 1: standard errors exist whenever the covariance does (checked below).
            if (solution.CovarianceDiagonal is null)
            {
                warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, "standard errors are not computed on the iterative path yet; use --solver qr on a smaller design"));
            }
        }
        else if (statistics.Sigma is null)
        {
            warnings.Add(new FitWarning(WarningCodes.NoResidualDegreesOfFreedom, $"{counts.RowsUsed} rows and rank {solution.Rank} leave no residual degrees of freedom: sigma and standard errors do not exist"));
        }
        else if (solution.Penalty is not null)
        {
            warnings.Add(new FitWarning(WarningCodes.Penalized, "penalised estimates are biased towards 0 by design: no standard errors are reported (sigma and df_residual are those of an unpenalised fit of the same rank and only indicative)"));
        }
        else if (solution.CovarianceDiagonal is null)
        {
            warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, "standard errors are not computed on the iterative path yet; use --solver qr on a smaller design"));
        }

        var overflow = coefficients.Where(c => c.Estimate is not null && c.ExpEstimate is null && reportsExpEstimate).Select(c => c.Name).ToList();
        if (overflow.Count > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.ExpOverflow, $"exp() of {overflow.Count} coefficient(s) does not fit in a double: {string.Join(", ", overflow.Take(5))}{(overflow.Count > 5 ? ", ..." : string.Empty)}"));
        }

        if (solution.Penalty is { ChosenAtPathEnd: true } end)
        {
            // At the path's end the chosen λ is its smallest, λ_max times the path's ratio.
            warnings.Add(new FitWarning(WarningCodes.LambdaAtPathEnd, string.Create(CultureInfo.InvariantCulture, $"cross-validation chose the smallest λ of the path ({end.Lambda:G4} = {end.Lambda / end.LambdaMax:G2}·λ_max): the best λ may be smaller; columns are not standardised, so rare levels need small λ (try --lambda, or compare with --solver qr)")));
        }

        return warnings;
    }
}

/// <summary>The solver block of a result: which solver ran, why (in words), and on how many threads.</summary>
internal sealed record SolverReport(string Name, string Reason, int Threads);

/// <summary>
/// The fit block of a result as an assembler computes it before building the result: sums of
/// squares, R², σ and the F tests, each null where the fit has none (a likelihood fit's deviances
/// are in <see cref="GlmReport"/>; a diagnosis has no residuals).
/// </summary>
internal sealed record FitStatistics
{
    public long CellsWithReplicates { get; init; }

    public long? DfResidual { get; init; }

    public double? PureErrorSs { get; init; }

    public double? Rss { get; init; }

    public double? Tss { get; init; }

    public double? RSquared { get; init; }

    public double? AdjRSquared { get; init; }

    public double? Sigma { get; init; }

    public FTest? ModelF { get; init; }

    public FTest? LackOfFit { get; init; }
}
