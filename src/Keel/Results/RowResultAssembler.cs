// RowResultAssembler: the contract's result for a row-path fit (WithinEstimator), in the same shape
// as a cell-path fit of the same formula: every design column in design order (intercept, terms in
// formula order, each factor's levels in canonical order with its reference level listed), so the
// two paths' results compare coefficient by coefficient.
//
// The factor effects of the absorbed parameterisation (one effect per level of every factor) are
// turned into treatment coding: with one factor, μ = α[ref] and level l gets α[l] − α[ref]. With two,
// each connected component c of their levels (FactorComponents) shifts freely; the second factor in
// formula order has one level per component not holding its reference aliased (its highest code,
// the sequential rule "of dependent columns the earliest is kept"), and with s_c the second
// factor's effect at that level (at its reference, in the reference's component):
// μ = α_a[ref_a] + s_{c(ref_a)}, a-level l: α_a[l] + s_{c(l)} − μ, b-level l: α_b[l] − s_{c(l)}.
// With three or more factors the same coding with μ = Σ_q α_q[ref_q] is reported under
// ALIASING_UNCHECKED: an exact rank decision for three factors at this size is not made here.
using System.Globalization;
using Keel.Diagnostics;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Rows;
using Keel.Solvers.FixedEffects;
using Keel.Solvers.Iterative;

namespace Keel.Results;

internal static class RowResultAssembler
{
    /// <summary>Lanczos steps of the row path's condition estimate.</summary>
    public const int RowLanczosSteps = ConditionEstimate.LanczosSteps;

    /// <summary>Rows up to which keel fit estimates the condition number on the row path (20 passes: about 0.1 s per million rows).</summary>
    public const int ConditionRowLimit = 2_000_000;

    /// <param name="factorOfTerm">For each formula term, its index in rows.Factors, or -1 for a covariate.</param>
    /// <param name="reference">Each factor column's reference level code (<see cref="ReferenceCode"/>).</param>
    /// <param name="covariateOfTerm">For each formula term, its index in rows.Covariates, or -1 for a factor.</param>
    /// <param name="design">The rows as an operator, for the condition estimate.</param>
    /// <param name="diagnoseOnly">keel diagnose: estimates and standard errors left out, the condition number always estimated.</param>
    /// <param name="likelihood">A poisson or binomial fit (RowGlm): its statistics replace the least-squares ones, and its separated levels are listed.</param>
    /// <param name="levelErrors">The classical variance factors of the intercept and the levels (LevelVariances) with σ², or why there are none; null: none asked.</param>
    /// <param name="cells">For least squares of factors alone: the cells and their pure error (the lack-of-fit test); else null (every row its own cell).</param>
    /// <param name="gram">For factors alone with the further levels' Schur complement factored: the Gram product and exact inverse from its counts, for the condition estimate (no pass over the rows, any row count); else null.</param>
    public static FitResult Assemble(Formula formula, RowColumns rows, int[] factorOfTerm, int[] covariateOfTerm, int[] reference, WithinFit fit, string reason, string stdErrorType, int threads, double tolerance, RowDesignOperator design, bool diagnoseOnly, RowLikelihood? likelihood = null, RowLevelErrors? levelErrors = null, FactorsAloneGram? gram = null, RowCells? cells = null)
    {
        GlmReport? glm = likelihood?.Report;
        long n = rows.Count;
        long df = n - fit.Rank;
        // The rows reported include the separated ones (their levels are listed, estimate null).
        long rowsReported = n + (glm?.SeparatedRows ?? 0);
        int rank = (int)Math.Min(int.MaxValue, fit.Rank);
        bool exp = formula.Response.Log || glm is not null;

        var clock = new SubStageClock("assemble");
        int[] factors = factorOfTerm.Where(f => f >= 0).ToArray();
        (double intercept, double[][] coefficient, bool[][] aliasedLevel, string[] aliasNote) = TreatmentCoding(rows, factors, reference, fit);
        ConditionEstimate.Outcome condition = glm is not null
            ? new ConditionEstimate.Outcome(null, "not estimated for a likelihood fit on the row path (its design is weighted anew at every step)")
            : diagnoseOnly || rows.Count <= ConditionRowLimit || gram is not null
            ? Condition(design, rows, factors, reference, aliasedLevel, fit, gram)
            : new ConditionEstimate.Outcome(null, string.Create(CultureInfo.InvariantCulture, $"not estimated: on the row path the estimate takes {RowLanczosSteps} passes over the rows (here {rows.Count:N0}: about a quarter of the fit), done by keel fit up to {ConditionRowLimit:N0} rows; keel diagnose always estimates it"));
        clock.Lap("treatment coding and condition");
        var warnings = new List<FitWarning>();
        if (condition.ConditionNumber is { } kappa && kappa > ResultAssembler.IllConditionedThreshold)
        {
            warnings.Add(new FitWarning(WarningCodes.IllConditioned, $"the scaled condition number is at least {kappa:0.##e0} (above {ResultAssembler.IllConditionedThreshold:0.#e0}): about {Math.Log10(kappa):0} of 16 digits are at risk"));
        }

        LevelVariances? variances = levelErrors?.Variances;
        double? interceptError = variances is null ? null : StdErrorOf(variances.Intercept, levelErrors!.Sigma2);
        // Made on reading (GeneratedList): a part per covariate or factor term, a level's coefficient a
        // pure function of its index. Aliased levels (few, and their explanations cost more) are made once.
        var parts = new List<(int Count, Func<int, CoefficientResult> Item)>();
        var fixedPart = new List<CoefficientResult> { WithExp(new CoefficientResult { Name = "(Intercept)", Term = "(Intercept)", Estimate = intercept, StdError = interceptError, Status = CoefficientStatus.Estimated }, exp) };
        int parameters = 1;
        for (int t = 0; t < formula.Terms.Count; t++)
        {
            Term term = formula.Terms[t];
            if (covariateOfTerm[t] >= 0)
            {
                fixedPart.Add(WithExp(Covariate(term, covariateOfTerm[t], fit, rows, formula), exp));
                parameters++;
                continue;
            }

            parts.Add(GeneratedList<CoefficientResult>.Part(fixedPart));
            fixedPart = [];
            int f = factorOfTerm[t];
            FactorColumn factor = rows.Factors[f];
            int at = Array.IndexOf(factors, f);
            string label = term.Label;  // computed on each call: once per term, not per level
            double[]? levelVariance = variances?.Level[f];
            double sigma2 = levelErrors?.Sigma2 ?? double.NaN;
            bool[] aliasedHere = aliasedLevel[at];
            string noteHere = aliasNote[at];
            double[] estimateHere = coefficient[at];
            int referenceHere = reference[f];
            CoefficientResult Make(int l) => Level(formula, rows, factorOfTerm, fit, label, f, l, referenceHere, aliasedHere[l], noteHere, estimateHere[l], exp, levelVariance is null ? null : StdErrorOf(levelVariance[l], sigma2));
            var madeAliased = new Dictionary<int, CoefficientResult>();
            for (int l = 0; l < factor.LevelCount; l++)
            {
                if (aliasedHere[l] && l != referenceHere)
                {
                    madeAliased[l] = Make(l);
                }
            }

            (int Count, Func<int, CoefficientResult> Item) levels = (factor.LevelCount, l => madeAliased.Count > 0 && madeAliased.TryGetValue(l, out CoefficientResult? made) ? made : Make(l));
            if (likelihood?.OriginalLevel is { } original)
            {
                // The separated levels (no row left in the fit) in their canonical places, estimate null.
                FactorColumn full = likelihood.OriginalFactors![f];
                var all = new CoefficientResult[full.LevelCount];
                for (int l = 0; l < levels.Count; l++)
                {
                    all[original[f][l]] = levels.Item(l);
                }

                for (int l = 0; l < all.Length; l++)
                {
                    all[l] ??= new CoefficientResult { Name = string.Concat(label, "[", full.Labels[l], "]"), Term = label, Level = full.Labels[l], Status = CoefficientStatus.Separated };
                }

                levels = GeneratedList<CoefficientResult>.Part(all);
            }

            parts.Add(levels);
            parameters += levels.Count - 1;
        }

        parts.Add(GeneratedList<CoefficientResult>.Part(fixedPart));
        var coefficients = new GeneratedList<CoefficientResult>(parts);
        clock.Lap("coefficients");
        // A likelihood fit's deviances are in its report: no σ, R² or F (the covariance is (X̃'ΩX̃)⁻¹ itself).
        FitStatistics statistics = glm is not null ? new FitStatistics { DfResidual = df } : LeastSquaresStatistics(fit, n, df, cells);
        int? clusters = stdErrorType.StartsWith("cluster", StringComparison.Ordinal) ? fit.ClusterCounts.Min() : null;
        AddWarnings(warnings, rows, factors, fit, levelErrors, glm, coefficients, df, rowsReported, rank, exp, out int singletons);
        ResultAssembler.AddConflictingDuplicates(warnings, statistics);
        clock.Lap("statistics and warnings");
        ModelSpec model;
        if (likelihood?.OriginalFactors is { } allLevels)
        {
            // The model as the coefficients list it: every level, separated ones included.
            int[] fullReference = reference.Select((code, f) => likelihood.OriginalLevel![f].Length > code ? likelihood.OriginalLevel[f][code] : code).ToArray();
            model = Model(formula, new RowColumns([], [], allLevels, rows.Counts), factorOfTerm, covariateOfTerm, fullReference, factors.Length <= 2 || fit.Identified is not null);
        }
        else
        {
            model = Model(formula, rows, factorOfTerm, covariateOfTerm, reference, factors.Length <= 2 || fit.Identified is not null);
        }

        clock.Lap("model");
        IReadOnlyList<CoefficientResult> reported = coefficients;
        if (diagnoseOnly)
        {
            // keel diagnose: statuses and diagnostics only (the projection ran to decide the covariates' rank).
            reported = coefficients.Select(c => c.WithoutValues()).ToList();
        }

        var result = new FitResult
        {
            Formula = formula.Text,
            LogTarget = formula.Response.Log,
            Glm = glm,
            Rows = rowsReported,
            Cells = (int)Math.Min(int.MaxValue, cells?.Cells ?? rowsReported),
            CellsWithReplicates = statistics.CellsWithReplicates,
            PureErrorSs = statistics.PureErrorSs,
            LackOfFit = statistics.LackOfFit,
            DroppedRows = rows.Counts.Dropped,
            SolverName = "within",
            SolverReason = reason,
            Converged = fit.Converged && (glm?.Converged ?? true),
            Iterations = glm?.Iterations ?? fit.Iterations,
            Tolerance = glm?.Tolerance ?? tolerance,
            StopReason = glm?.StopReason ?? (fit.Converged ? "Converged" : "IterationLimit"),
            Threads = threads,
            StdErrorType = stdErrorType,
            Clusters = clusters,
            ConditionNumber = condition.ConditionNumber,
            ConditionMethod = condition.Method,
            Coefficients = reported,
            Parameters = parameters,
            Rank = rank,
            DfResidual = statistics.DfResidual,
            Rss = statistics.Rss,
            Tss = statistics.Tss,
            RSquared = statistics.RSquared,
            AdjRSquared = statistics.AdjRSquared,
            Sigma = statistics.Sigma,
            ModelF = statistics.ModelF,
            Warnings = warnings,
            SingletonLevels = singletons,
            Model = model,
        };

        // Last: no NaN or infinity leaves the assembler (each becomes null, named in a warning).
        return ResultSanitizer.Sanitize(result);
    }

    private static FitStatistics LeastSquaresStatistics(WithinFit fit, long n, long df, RowCells? cells)
    {
        long modelDf = fit.Rank - 1;
        // Lack of fit (Draper & Smith §2.1), as the cell path: between-cell residual against pure error.
        // (RSS − pure error is the between-cell part; below 0 only by rounding, where no test is made.)
        double between = cells is null ? 0 : fit.Rss - cells.PureErrorSs;
        FTest? lackOfFit = cells is not null && between >= 0 ? ResultAssembler.LackOfFit(between, cells.PureErrorSs, cells.Cells - fit.Rank, n - cells.Cells) : null;

        double fStat = (fit.Tss - fit.Rss) / modelDf / (fit.Rss / df);
        return new FitStatistics
        {
            DfResidual = df,
            Rss = fit.Rss,
            Tss = fit.Tss,
            RSquared = fit.Tss > 0 ? 1.0 - (fit.Rss / fit.Tss) : null,
            AdjRSquared = fit.Tss > 0 && df > 0 ? 1.0 - ((fit.Rss / df) / (fit.Tss / (n - 1))) : null,
            Sigma = df > 0 ? Math.Sqrt(fit.Rss / df) : null,
            ModelF = modelDf > 0 && df > 0 && fit.Rss > 0 ? new FTest(fStat, modelDf, df, StudentT.FUpperTail(fStat, modelDf, df)) : null,
            PureErrorSs = cells?.PureErrorSs,
            CellsWithReplicates = cells?.CellsWithReplicates ?? 0,
            LackOfFit = lackOfFit,
        };
    }

    // σ·√v for a variance factor v; null where v is not a number (a reference level) or σ² is not positive.
    private static double? StdErrorOf(double v, double sigma2) => v >= 0 && sigma2 >= 0 ? Math.Sqrt(v * sigma2) : null;

    // exp(estimate) of the intercept and a covariate (levels get theirs in Level), guarded as everywhere.
    private static CoefficientResult WithExp(CoefficientResult c, bool exp) =>
        exp && c.Estimate is not null ? c with { ExpEstimate = CoefficientResult.GuardedExp(c.Estimate) } : c;

    private static CoefficientResult Level(Formula formula, RowColumns rows, int[] factorOfTerm, WithinFit fit, string label, int f, int l, int reference, bool aliased, string note, double estimate, bool exp, double? stdError)
    {
        string name = string.Concat(label, "[", rows.Factors[f].Labels[l], "]");
        CoefficientStatus status;
        double? value = null;
        IReadOnlyList<string>? aliasedWith = null;
        string? explanation = null;
        if (l == reference)
        {
            status = CoefficientStatus.Reference;
            value = 0.0;
        }
        else if (aliased)
        {
            status = CoefficientStatus.Aliased;
            aliasedWith = [];
            explanation = note;
            if (fit.Identified?.Partners.GetValueOrDefault((f, l)) is { Count: > 0 } partners)
            {
                var named = partners.Select(p => (Name: $"{LabelOf(formula, factorOfTerm, p.Factor)}[{rows.Factors[p.Factor].Labels[p.Level]}]", p.Coefficient)).ToList();
                aliasedWith = named.Select(p => p.Name).ToList();
                explanation = Keel.Diagnostics.AliasExplainer.Explain(name, named) + $" (after absorbing {rows.Factors[fit.Identified.Absorbing].Name})";
            }
        }
        else
        {
            status = CoefficientStatus.Estimated;
            value = estimate;
        }

        double? expEstimate = exp ? CoefficientResult.GuardedExp(value) : null;
        return new CoefficientResult { Name = name, Term = label, Level = rows.Factors[f].Labels[l], Status = status, Estimate = value, StdError = status == CoefficientStatus.Estimated ? stdError : null, AliasedWith = aliasedWith, AliasExplanation = explanation, ExpEstimate = expEstimate };
    }

    private static string LabelOf(Formula formula, int[] factorOfTerm, int factor) => formula.Terms[Array.IndexOf(factorOfTerm, factor)].Label;

    private static CoefficientResult Covariate(Term term, int j, WithinFit fit, RowColumns rows, Formula formula)
    {
        var c = new CoefficientResult { Name = term.Label, Term = term.Label };
        int kept = Array.IndexOf(fit.Kept, j);
        if (kept >= 0)
        {
            return c with
            {
                Status = CoefficientStatus.Estimated,
                Estimate = fit.Beta[kept],
                StdError = fit.Variance is { } v && v[kept] >= 0 ? Math.Sqrt(v[kept]) : null,
            };
        }

        AliasedCovariate why = fit.Aliased.First(a => a.Covariate == j);
        string[] factorLabels = formula.Terms.Where(t => t.Factors[0] is CategoricalFactor || rows.Factors.Any(f => f.Name == t.Factors[0].Column)).Select(t => t.Label).ToArray();
        if (why.AbsorbedByFactors)
        {
            string? within = why.Factor >= 0 ? factorLabels.FirstOrDefault(l => formula.Terms.First(t => t.Label == l).Factors[0].Column == rows.Factors[why.Factor].Name) : null;
            return c with
            {
                Status = CoefficientStatus.Aliased,
                AliasedWith = within is null ? factorLabels : [within],
                AliasExplanation = within is not null
                    ? $"{term.Label} is constant within each level of {within}, so {within} absorbs it"
                    : $"{term.Label} is a sum of effects of {string.Join(", ", factorLabels)} (what is left of it after absorbing them is below {WithinEstimator.AbsorbedTolerance:0e0} of its variation)",
            };
        }

        string[] partners = why.Partners.Select(p => rows.Covariates.Length > p ? CovariateName(formula, rows, p) : "?").ToArray();
        return c with
        {
            Status = CoefficientStatus.Aliased,
            AliasedWith = partners,
            AliasExplanation = $"{term.Label} = a combination of {string.Join(", ", partners)} once the factors are absorbed",
        };
    }

    private static string CovariateName(Formula formula, RowColumns rows, int covariate)
    {
        int seen = -1;
        foreach (Term t in formula.Terms)
        {
            if (t.Factors[0] is VariableFactor && !rows.Factors.Any(f => f.Name == t.Factors[0].Column) && ++seen == covariate)
            {
                return t.Label;
            }
        }

        return "?";
    }

    // The scaled condition number of the solved design (intercept, kept covariates, levels other than
    // the references and aliased ones): for factors alone with the further levels' factor, through
    // the exact inverse as on the cells (FactorsAloneGram); otherwise Lanczos on its Gram matrix
    // through the rows, a lower bound.
    private static ConditionEstimate.Outcome Condition(RowDesignOperator design, RowColumns rows, int[] factors, int[] reference, bool[][] aliasedLevel, WithinFit fit, FactorsAloneGram? gram)
    {
        double[] norms = design.SquaredNorms();
        for (int j = 0; j < rows.Covariates.Length; j++)
        {
            norms[1 + j] = fit.Kept.Contains(j) ? norms[1 + j] : 0;
        }

        for (int i = 0; i < factors.Length; i++)
        {
            for (int l = 0; l < aliasedLevel[i].Length; l++)
            {
                if (l == reference[factors[i]] || aliasedLevel[i][l])
                {
                    norms[design.LevelColumn(factors[i], l)] = 0;
                }
            }
        }

        if (gram is not null)
        {
            // Factors alone: XᵀX and the kept columns' exact inverse from the counts (FactorsAloneGram).
            return ConditionEstimate.WithExactInverse(design, norms, gram.TryMultiply, gram.MultiplyInverse, "the exact block Cholesky factor");
        }

        // Twenty steps, each one pass over the rows (about 50 ms per 10M rows on two cores): the
        // smallest Ritz value bounds sigma_min only from above, so the value is a lower bound and says
        // so; with ten it was 3.4x low on a 6,000-row design (20.7 against the exact 69.4, 67.0 with
        // twenty) and 4x lower on fixest's shape.
        return ConditionEstimate.WithoutFactor(design, norms, design.Gram, "the row path factors no Gram matrix of the levels (its effects are found by conjugate gradients)", RowLanczosSteps);
    }

    private static (double Intercept, double[][] Coefficient, bool[][] Aliased, string[] Note) TreatmentCoding(RowColumns rows, int[] factors, int[] reference, WithinFit fit)
    {
        int q = factors.Length;
        var coefficient = new double[q][];
        var aliased = new bool[q][];
        var note = new string[q];
        for (int i = 0; i < q; i++)
        {
            aliased[i] = new bool[rows.Factors[factors[i]].LevelCount];
            note[i] = string.Empty;
        }

        if (fit.Identified is { } decision)
        {
            // Three or more factors, their rank decided exactly (FactorRank): the absorbing factor's
            // effects carry the intercept; the further factors' effects are already treatment coded.
            int abs = Array.IndexOf(factors, decision.Absorbing);
            double mu = decision.AbsorbingEffects[reference[factors[abs]]];
            for (int i = 0; i < q; i++)
            {
                int f = factors[i];
                if (i == abs)
                {
                    coefficient[i] = decision.AbsorbingEffects.Select(v => v - mu).ToArray();
                    coefficient[i][reference[f]] = 0;
                    continue;
                }

                coefficient[i] = decision.Effects[f];
                aliased[i] = decision.Aliased[f];
                note[i] = $"not identified: the data determine it only together with other levels (after absorbing {rows.Factors[factors[abs]].Name})";
            }

            return (mu, coefficient, aliased, note);
        }

        if (q == 2)
        {
            int a = factors[0];
            int b = factors[1];
            double[] ea = fit.EffectsByFactor[a];
            double[] eb = fit.EffectsByFactor[b];
            FactorColumn fa = rows.Factors[a];
            FactorColumn fb = rows.Factors[b];
            // The components the estimator found (the same sets whichever factor it took first).
            int[] ca = fit.ComponentOfLevel![a];
            int[] cb = fit.ComponentOfLevel[b];
            int count = ca.Concat(cb).Max() + 1;
            var shift = new double[count];
            var last = new int[count];
            Array.Fill(last, -1);
            for (int l = 0; l < fb.LevelCount; l++)
            {
                last[cb[l]] = l;  // highest code of b in each component
            }

            for (int c = 0; c < count; c++)
            {
                int at = c == cb[reference[b]] ? reference[b] : last[c];
                shift[c] = at >= 0 ? eb[at] : 0;
                if (c != cb[reference[b]] && at >= 0)
                {
                    aliased[1][at] = true;
                }
            }

            double mu = ea[reference[a]] + shift[ca[reference[a]]];
            coefficient[0] = Enumerable.Range(0, fa.LevelCount).Select(l => ea[l] + shift[ca[l]] - mu).ToArray();
            coefficient[1] = Enumerable.Range(0, fb.LevelCount).Select(l => eb[l] - shift[cb[l]]).ToArray();
            coefficient[0][reference[a]] = 0;
            coefficient[1][reference[b]] = 0;
            note[1] = string.Create(CultureInfo.InvariantCulture, $"the levels of {fa.Name} and {fb.Name} fall into {count} groups that share no row; within each group one level of {fb.Name} is not identified (effects compare only within a group)");
            return (mu, coefficient, aliased, note);
        }

        double intercept = 0;
        for (int i = 0; i < q; i++)
        {
            double[] e = fit.EffectsByFactor[factors[i]];
            double at = e[reference[factors[i]]];
            intercept += at;
            coefficient[i] = e.Select(v => v - at).ToArray();
            coefficient[i][reference[factors[i]]] = 0;
        }

        return (intercept, coefficient, aliased, note);
    }

    /// <summary>The reference level's code of a factor term: its ref= level, else the first level.</summary>
    public static int ReferenceCode(FactorColumn factor, Term term)
    {
        if (term.Factors[0] is CategoricalFactor { ReferenceLevel: { } level })
        {
            int code = Array.IndexOf(factor.Labels, level);
            if (code < 0 && factor.IsNumeric && double.TryParse(level, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                code = Array.IndexOf(factor.Labels, Keel.Compression.KeyColumn.NumberLabel(v));
            }

            return code >= 0 ? code : throw new KeelInputException($"formula: reference level \"{Keel.Data.MessageText.Quote(level)}\" of {term.Label} does not occur in column '{factor.Name}' (levels: {string.Join(", ", factor.Labels.Take(5))}{(factor.LevelCount > 5 ? ", ..." : "")})");
        }

        return 0;
    }

    // The warnings after ILL_CONDITIONED (the condition estimate's, already in the list), in the result's order.
    private static void AddWarnings(List<FitWarning> warnings, RowColumns rows, int[] factors, WithinFit fit, RowLevelErrors? levelErrors, GlmReport? glm, IReadOnlyList<CoefficientResult> coefficients, long df, long rowsReported, int rank, bool exp, out int singletons)
    {
        RowCounts counts = rows.Counts;
        RowsLeftOutWarnings.Add(warnings, counts.RowsRead, counts.DroppedMissing, counts.DroppedInvalid, counts.ZeroWeightRows);

        if (glm?.SeparationMessage is { } separation)
        {
            warnings.Add(new FitWarning(WarningCodes.Separation, separation));
        }

        if (!fit.Converged)
        {
            warnings.Add(new FitWarning(WarningCodes.NotConverged, $"the fixed-effects projection stopped after {fit.Iterations} iterations before reaching its tolerance; estimates are not reliable"));
        }
        else if (glm is { Converged: false })
        {
            warnings.Add(new FitWarning(WarningCodes.NotConverged, "the likelihood iterations reached their limit before the deviance settled; estimates are not reliable (a coefficient running away can mean separation by the covariates, which the row path does not search: docs/glm.md)"));
        }

        if (factors.Length >= 3 && fit.Identified is null)
        {
            warnings.Add(new FitWarning(WarningCodes.AliasingUnchecked, string.Create(CultureInfo.InvariantCulture, $"{factors.Length} factors: the rank of their effects is decided exactly on the row path only while the levels beyond the largest factor's number at most {Keel.Absorption.AbsorbedGram.MaxSchurColumns} (a dense factorisation of that order) and the segments of the largest factor touch few of them (here levels {string.Join(" + ", factors.Select(f => rows.Factors[f].LevelCount))} over {rows.Count} rows); the level effects are shown with each factor's first level as reference and may include unidentified combinations. The covariates' estimates and standard errors do not depend on this; the residual degrees of freedom use the upper bound {fit.Rank} of the rank")));
        }

        var aliased = coefficients.Where(c => c.Status == CoefficientStatus.Aliased).ToList();
        if (aliased.Count > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.Aliased, AliasWarning.Text(aliased)));
        }

        singletons = factors.Sum(f => rows.Factors[f].CountByLevel().Count(c => c == 1));
        if (singletons > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.SingletonLevels, $"{singletons} categorical level(s) occur in exactly one row; their coefficients rest on a single observation"));
        }

        if (df <= 0)
        {
            warnings.Add(new FitWarning(WarningCodes.NoResidualDegreesOfFreedom, $"{rowsReported} rows and rank {rank} leave no residual degrees of freedom: sigma and standard errors do not exist"));
        }

        if (levelErrors?.Variances is { AbsorbedNote: { } note })
        {
            warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, $"the intercept, the covariates and the other factors' levels have standard errors; {note}"));
        }
        else if (levelErrors?.Variances is null)
        {
            warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, (rows.Covariates.Length == 0 ? "the row path gives standard errors for covariates only, and this model has none" : "the row path gives standard errors for the covariates only") + ": the intercept and the factor levels have none (their effects are absorbed, not inverted)" + (levelErrors?.Reason is { } why ? $"; {why}" : string.Empty)));
        }
        // Only a fit that reports exp(estimate) can overflow it (the coefficients are made on reading: not read otherwise).
        List<string> overflow = exp ? coefficients.Where(c => c.Estimate is not null && c.ExpEstimate is null).Select(c => c.Name).ToList() : [];
        if (overflow.Count > 0)
        {
            warnings.Add(new FitWarning(WarningCodes.ExpOverflow, $"exp() of {overflow.Count} coefficient(s) does not fit in a double: {string.Join(", ", overflow.Take(5))}{(overflow.Count > 5 ? ", ..." : string.Empty)}"));
        }
    }

    private static ModelSpec Model(Formula formula, RowColumns rows, int[] factorOfTerm, int[] covariateOfTerm, int[] reference, bool aliasingChecked)
    {
        var columns = new List<(string Name, bool Numeric, IReadOnlyList<string> Labels)>();
        var terms = new List<IReadOnlyList<FactorCoding>>();
        // The design aligned with the coefficients: a column per level, made on reading (GeneratedList).
        var design = new List<(int Count, Func<int, ModelDesignColumn> Item)>();
        var fixedPart = new List<ModelDesignColumn> { new(-1, [], 0, false) };
        for (int t = 0; t < formula.Terms.Count; t++)
        {
            Term term = formula.Terms[t];
            if (covariateOfTerm[t] >= 0)
            {
                columns.Add((term.Factors[0].Column, true, []));
                terms.Add([new FactorCoding(term.Factors[0].Column, false, false, null)]);
                fixedPart.Add(new ModelDesignColumn(t, [], 0, false));
                continue;
            }

            design.Add(GeneratedList<ModelDesignColumn>.Part(fixedPart));
            fixedPart = [];
            FactorColumn factor = rows.Factors[factorOfTerm[t]];
            int termIndex = t;
            int referenceLevel = reference[factorOfTerm[t]];
            columns.Add((factor.Name, factor.IsNumeric, factor.Labels));
            terms.Add([new FactorCoding(factor.Name, true, true, factor.Labels[referenceLevel])]);
            design.Add((factor.LevelCount, l => new ModelDesignColumn(termIndex, [factor.Labels[l]], 0, l == referenceLevel)));
        }

        design.Add(GeneratedList<ModelDesignColumn>.Part(fixedPart));

        return new ModelSpec
        {
            Formula = formula.Text,
            Columns = columns,
            Terms = terms,
            Design = new GeneratedList<ModelDesignColumn>(design),
            AliasingChecked = aliasingChecked,
            CovarianceNote = "row path: the covariance of the factor effects is not computed",
        };
    }
}

/// <summary>What a likelihood fit on the row path adds to the assembly.</summary>
/// <param name="Report">The family, deviances, iterations and separation.</param>
/// <param name="OriginalFactors">The factors before the separated rows were left out (every level), or null when none was.</param>
/// <param name="OriginalLevel">Per factor, each fitted level's code among <paramref name="OriginalFactors"/>' levels.</param>
internal sealed record RowLikelihood(GlmReport Report, FactorColumn[]? OriginalFactors, int[][]? OriginalLevel);

/// <summary>The row path's classical errors beyond the covariates: the variance factors and σ², or why there are none.</summary>
internal sealed record RowLevelErrors(LevelVariances? Variances, double Sigma2, string? Reason);
