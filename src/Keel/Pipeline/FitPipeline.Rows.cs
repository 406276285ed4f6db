using System.Globalization;
using Keel.Diagnostics;
using Keel.Model;
using Keel.Results;
using Keel.Rows;
using Keel.Solvers;
using Keel.Solvers.FixedEffects;
using Keel.Solvers.Glm;

namespace Keel.Pipeline;

/// <summary>The row path: rows kept as columns, factors absorbed, covariates by Frisch–Waugh–Lovell.</summary>
internal static partial class FitPipeline
{
    private static FitOutcome? RunRows(Formula formula, RowPathPlan plan, FitOptions options, StageClock clock, IProgress<PipelineProgress>? progress, CancellationToken cancel)
    {
        int threads = Math.Max(1, options.Threads);
        progress?.Report(new PipelineProgress("read", 0, 0, 0, 0));
        RowColumns rows = CsvRowReader.Read(plan.Files, plan.Read, threads, cancel);
        clock.Lap("read");
        if (rows.Count == 0)
        {
            throw KeelInputException.InFile(plan.Files[0], $"no rows to fit ({rows.Counts.RowsRead} read, {rows.Counts.DroppedMissing} with a missing value, {rows.Counts.DroppedInvalid} with an invalid target)");
        }

        if (options.Family != GlmFamily.Gaussian)
        {
            return RunRowsLikelihood(formula, plan, options, rows, clock, cancel);
        }

        double[]? weights = null;
        if (plan.HasWeight)
        {
            // The --weights column, read last among the covariates. A negative or non-finite weight
            // sends the fit back to the cells, whose read names its row. A zero weight's row is left
            // out as the cells leave it out (R's lm: it does not count, not even in the degrees of
            // freedom), and counted (ZERO_WEIGHT_ROWS); a level seen only in such rows goes with them.
            // Left out before the canonical order, so the fit is the one of the file without them.
            double[] given = rows.Covariates[^1];
            bool[]? zero = null;
            long zeros = 0;
            for (int i = 0; i < given.Length; i++)
            {
                if (given[i] == 0)
                {
                    (zero ??= new bool[given.Length])[i] = true;
                    zeros++;
                }
                else if (!(given[i] > 0 && double.IsFinite(given[i])))
                {
                    return null;
                }
            }

            if (zero is not null)
            {
                if (zeros == given.Length)
                {
                    return null;  // the cells say that every row has weight 0
                }

                RowColumns kept = RowSubset.Without(rows, zero, out _);
                rows = new RowColumns(kept.Target, kept.Covariates, kept.Factors, rows.Counts with { ZeroWeightRows = zeros });
            }
        }

        // The absorbing factor: the model's factor with the most levels (the first of equals).
        int absorbing = AbsorbingFactor(rows, plan.ModelFactors);
        int[] segmentStart = CanonicalRowOrder.Apply(rows, absorbing, threads);
        if (plan.HasWeight)
        {
            // The weights travel as the last covariate column through the ordering, then leave the covariates.
            weights = rows.Covariates[^1];
            rows = new RowColumns(rows.Target, rows.Covariates[..^1], rows.Factors, rows.Counts);
        }

        clock.Lap("order");
        progress?.Report(new PipelineProgress("within", rows.Count, rows.Count, 0, 0));

        (int[] factorOfTerm, int[] covariateOfTerm, int[] reference) = TermsOnRows(formula, plan, rows);
        (WithinErrors errors, string type, string[] clusters) = RowErrors(options, rows);
        // Factors alone: the cells (runs of equal codes in the canonical order) and their pure error,
        // before the fit residualises the target in place.
        bool factorsAlone = rows.Covariates.Length == 0;
        RowCells? cells = factorsAlone && weights is null ? RowCells.Find(rows, plan.ModelFactors) : null;
        // Factors alone, two or more: the further levels' Schur complement, formed and factored once
        // (FactorRank.Prepare, within its limits), preconditions the projection exactly, decides the
        // rank (three or more; two: by components), gives the levels' variances and the condition
        // estimate's inverse (FactorsAloneGram). With covariates FactorRank forms it after the
        // projection, for the rank only, when the levels' variances' matrices are gone (formed
        // first, its factor alive through the fit raised fe100k's peak by 13 MB for no gain).
        // (With the certificate, three factors are known to be of full rank; S is then formed only
        // when small enough to give the levels' standard errors.)
        long furtherLevels = Enumerable.Range(0, plan.ModelFactors).Where(f => f != absorbing).Sum(f => (long)rows.Factors[f].LevelCount - 1);
        FurtherLevelsPreparation? prepared = weights is null && plan.ModelFactors >= 2 && factorsAlone
            ? FactorRank.Prepare(rows, plan.ModelFactors, absorbing, segmentStart, reference, threads, evenIfCertified: 1 + furtherLevels <= LevelVariances.MaxRestColumns, keepCounts: true)
            : null;
        clock.Lap("further levels");
        // Classical errors of the intercept and the levels where affordable (from the covariates as
        // read: the fit below residualises them in place); from the further levels' factor when there is one.
        LevelVariances? variances = null;
        string? noLevelErrors = null;
        if (errors.Robust is null && !options.DiagnoseOnly)
        {
            variances = prepared?.Factor is { } factored
                ? LevelVariances.FromFurtherLevels(rows, plan.ModelFactors, absorbing, reference, factored, threads, out noLevelErrors)
                : LevelVariances.TryCompute(rows, plan.ModelFactors, absorbing, segmentStart, reference, weights, threads, out noLevelErrors);
            prepared?.Factor?.ReleaseSchur();
            clock.Lap("level variances");
        }

        if (errors.Robust is not null)
        {
            noLevelErrors = "with robust errors only the covariates have them (the levels' sandwich is not computed)";
        }

        WithinFit fit = weights is null
            ? WithinEstimator.Fit(rows, plan.ModelFactors, absorbing, segmentStart, reference, options.FixedEffects, errors, threads, cancel, prepared)
            : RowGlm.FitWeightedLeastSquares(rows, plan.ModelFactors, absorbing, segmentStart, reference, weights, options.FixedEffects, errors, threads, cancel);
        clock.Lap("solve");
        // The solve's large transients (FactorRank's S, its factor and counts: large-object-heap
        // arrays) are garbage now; collecting them before the assembly lets it reuse their pages
        // where the collector's own timing grew the heap (fe100k's peak 103 → 98 MB, time the same).
        // No value depends on it.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);

        string others = string.Join(" + ", Enumerable.Range(0, plan.ModelFactors).Where(f => f != absorbing).Select(f => rows.Factors[f].Name));
        string reason = plan.Reason + string.Create(
            CultureInfo.InvariantCulture,
            $"; Frisch–Waugh–Lovell: {rows.Factors[absorbing].Name} ({rows.Factors[absorbing].LevelCount} levels) absorbed exactly{(others.Length == 0 ? "" : $", {others} by conjugate gradients on the Schur complement ({fit.Iterations} iterations, relative residual ≤ {options.FixedEffects.Tolerance:G2}{(fit.ExactlyPreconditioned ? $"; preconditioned by the exact Cholesky factor of its {prepared!.Columns}-column Schur complement" : "")})")}{(rows.Covariates.Length == 0 ? "" : "; covariates by Householder QR with one refinement step")}") + (weights is null ? "" : $"; weighted by {options.WeightColumn} (each row's squared residual counts w times: the factors projected out with weighted means, the covariates by QR of √w·X̃)") + SmallSampleNote(options, errors);
        // The covariates are as read again (WithinEstimator restores them after residualising them in
        // place; the weighted fit works on copies), so the condition estimate is of the design as read.
        var design = new RowDesignOperator(rows, [.. Enumerable.Range(0, plan.ModelFactors)], absorbing, segmentStart, threads, weights);
        long dfResidual = rows.Count - (errors.Fixest ? fit.RankForFixest : fit.Rank);
        var levelErrors = new RowLevelErrors(variances, dfResidual > 0 ? fit.Rss / dfResidual : double.NaN, noLevelErrors);
        FactorsAloneGram? gram = prepared?.Factor is { } factor ? new FactorsAloneGram(factor, design, rows, absorbing, reference[absorbing]) : null;
        FitResult result = RowResultAssembler.Assemble(formula, rows, factorOfTerm, covariateOfTerm, reference, fit, reason, type, threads, options.FixedEffects.Tolerance, design, options.DiagnoseOnly, levelErrors: options.DiagnoseOnly ? null : levelErrors, gram: gram, cells: cells);
        clock.Lap("assemble");
        return new FitOutcome(result, null, null, null);
    }

    // --family poisson|binomial on the rows: separated levels left out, then IRLS with weighted
    // within steps (Solvers/Glm/RowGlm). Null when a target is outside the family's range.
    private static FitOutcome? RunRowsLikelihood(Formula formula, RowPathPlan plan, FitOptions options, RowColumns read, StageClock clock, CancellationToken cancel)
    {
        GlmFamily family = options.Family;
        int threads = Math.Max(1, options.Threads);
        foreach (double y in read.Target)
        {
            if (family == GlmFamily.Poisson ? !(y >= 0) : !(y >= 0 && y <= 1))
            {
                return null;
            }
        }

        if (plan.HasOffset)
        {
            // The offset's column (read last among the covariates) becomes the offset itself: log of
            // the exposure for offset(log(e)). A value it cannot take declines the row path: the
            // cell path's read names the row.
            double[] column = read.Covariates[^1];
            bool log = formula.Offset!.Log;
            for (int i = 0; i < column.Length; i++)
            {
                double o = log ? (column[i] > 0 ? Keel.LinearAlgebra.ElementaryFunctions.Log(column[i]) : double.NaN) : column[i];
                if (!double.IsFinite(o))
                {
                    return null;
                }

                column[i] = o;
            }
        }

        // A design the dense path takes whole (every level's standard error, the separation
        // certificate on cells) stays on the cells: the row path is for the sizes beyond.
        int covariates = read.Covariates.Length - (plan.HasOffset ? 1 : 0);
        long columns = 1 + covariates + Enumerable.Range(0, plan.ModelFactors).Sum(f => (long)read.Factors[f].LevelCount - 1);
        if (DenseLimits.Fits(read.Count, (int)Math.Min(int.MaxValue, columns)))
        {
            return null;
        }

        RowSeparationResult separation = RowSeparation.Detect(read, plan.ModelFactors, family);
        RowColumns rows = read;
        int[][]? originalLevel = null;
        if (separation.Rows > 0)
        {
            rows = RowSubset.Without(read, separation.RowIsSeparated, out originalLevel);
        }

        if (rows.Count == 0)
        {
            throw KeelInputException.InFile(plan.Files[0], $"every row is in a separated level (outcomes all {(family == GlmFamily.Poisson ? "zero" : "0 or all 1")}): nothing is left to fit");
        }

        int absorbing = AbsorbingFactor(rows, plan.ModelFactors);
        int[] segmentStart = CanonicalRowOrder.Apply(rows, absorbing, threads);
        clock.Lap("order");
        // The offset travels as the last covariate column through the subsets and the ordering.
        RowColumns Model(RowColumns all) => plan.HasOffset ? new RowColumns(all.Target, all.Covariates[..^1], all.Factors, all.Counts) : all;
        double[]? OffsetOf(RowColumns all) => plan.HasOffset ? all.Covariates[^1] : null;

        // Separation by a combination of levels or covariates (the iterated rectifier on the rows).
        var combinations = new List<(string Cell, long Rows)>();
        long combinationRows = 0;
        if (RowGlm.SeparatedByCombination(Model(rows), plan.ModelFactors, absorbing, segmentStart, family, options.FixedEffects, GlmOptions.Default, threads, cancel) is { } certified)
        {
            var rowsByName = new Dictionary<string, long>(StringComparer.Ordinal);
            for (int i = 0; i < certified.Length; i++)
            {
                if (certified[i])
                {
                    combinationRows++;
                    string name = string.Join(", ", Enumerable.Range(0, plan.ModelFactors).Select(f => $"{rows.Factors[f].Name} = {rows.Factors[f].Labels[rows.Factors[f].Codes[i]]}"));
                    if (rowsByName.TryAdd(name, 1))
                    {
                        combinations.Add((name, 0));
                    }
                    else
                    {
                        rowsByName[name]++;
                    }
                }
            }

            combinations = combinations.Select(c => (c.Cell, rowsByName[c.Cell])).ToList();
            rows = RowSubset.Without(rows, certified, out int[][] again);
            originalLevel = originalLevel is null ? again : again.Select((map, f) => map.Select(l => originalLevel[f][l]).ToArray()).ToArray();
            absorbing = AbsorbingFactor(rows, plan.ModelFactors);
            segmentStart = CanonicalRowOrder.Apply(rows, absorbing, threads);
        }

        clock.Lap("separation");
        double[]? offset = OffsetOf(rows);
        rows = Model(rows);
        (int[] factorOfTerm, int[] covariateOfTerm, int[] reference) = TermsOnRows(formula, plan, rows);
        (WithinErrors errors, string type, _) = RowErrors(options, rows);
        RowGlmFit fit = RowGlm.Fit(rows, plan.ModelFactors, absorbing, segmentStart, reference, family, options.FixedEffects, GlmOptions.Default, errors, threads, cancel, offset);
        clock.Lap("solve");

        var named = separation.Levels.Select(l => ($"{formula.Terms[Array.IndexOf(factorOfTerm, l.Factor)].Label}[{read.Factors[l.Factor].Labels[l.Level]}]", l.Rows, l.AllOne)).ToList();
        var report = new GlmReport
        {
            Family = family,
            Converged = fit.Converged,
            Deviance = fit.Deviance,
            NullDeviance = fit.NullDeviance,
            DevianceOfRows = true,
            RowsFitted = rows.Count,
            DfNull = rows.Count - 1,
            SeparatedRows = separation.Rows + combinationRows,
            SeparatedColumns = [],
            SeparationMessage = separation.Rows + combinationRows > 0 ? Separation.Describe(new SeparationResult([], named, separation.Rows + combinationRows) { Combinations = combinations }, family, read.Count) : null,
            Iterations = fit.Iterations,
            Tolerance = GlmOptions.Default.Tolerance,
            StopReason = fit.Converged ? "deviance converged" : $"no convergence of the deviance within {GlmOptions.Default.MaxIterations} iterations",
        };
        string reason = string.Create(
            CultureInfo.InvariantCulture,
            $"{GlmFamilies.Name(family)} likelihood with the {GlmFamilies.Link(family)} link by IRLS on the rows (stop when |ΔD|/(|D| + 0.1) < {GlmOptions.Default.Tolerance:G3}, R's rule), each weighted least-squares step by Frisch–Waugh–Lovell with the weights: {rows.Factors[absorbing].Name} absorbed exactly, the other factors by conjugate gradients on the weighted Schur complement ({fit.ProjectionIterations} iterations in all), covariates by Householder QR: ") + plan.Reason + SmallSampleNote(options, errors);
        var design = new RowDesignOperator(rows, [.. Enumerable.Range(0, plan.ModelFactors)], absorbing, segmentStart, threads);
        // Classical errors of the intercept and the levels where affordable: (X'ΩX)⁻¹ at the estimates,
        // the same scale as the covariates' (1, or fixest's (n − 1)/(n − K)).
        RowLevelErrors levelErrors = errors.Robust is not null
            ? new RowLevelErrors(null, double.NaN, "with robust errors only the covariates have them (the levels' sandwich is not computed)")
            : new RowLevelErrors(LevelVariances.TryCompute(rows, plan.ModelFactors, absorbing, segmentStart, reference, fit.Omega, threads, out string? noLevelErrors), errors.Fixest ? (rows.Count - 1) / (double)(rows.Count - fit.Within.RankForFixest) : 1.0, noLevelErrors);
        FitResult result = RowResultAssembler.Assemble(formula, rows, factorOfTerm, covariateOfTerm, reference, fit.Within, reason, type, threads, options.FixedEffects.Tolerance, design, diagnoseOnly: false, new RowLikelihood(report, originalLevel is null ? null : read.Factors, originalLevel), levelErrors);
        clock.Lap("assemble");
        return new FitOutcome(result, null, null, null);
    }

    private static int AbsorbingFactor(RowColumns rows, int modelFactors)
    {
        int absorbing = 0;
        for (int f = 1; f < modelFactors; f++)
        {
            if (rows.Factors[f].LevelCount > rows.Factors[absorbing].LevelCount)
            {
                absorbing = f;
            }
        }

        return absorbing;
    }

    private static (int[] FactorOfTerm, int[] CovariateOfTerm, int[] Reference) TermsOnRows(Formula formula, RowPathPlan plan, RowColumns rows)
    {
        var factorOfTerm = new int[formula.Terms.Count];
        var covariateOfTerm = new int[formula.Terms.Count];
        var reference = new int[rows.Factors.Length];
        for (int t = 0; t < formula.Terms.Count; t++)
        {
            string column = formula.Terms[t].Factors[0].Column;
            covariateOfTerm[t] = plan.Read.CovariateColumns.ToList().IndexOf(column);
            factorOfTerm[t] = covariateOfTerm[t] >= 0 ? -1 : Array.FindIndex(rows.Factors, f => f.Name == column);
            if (factorOfTerm[t] >= 0)
            {
                reference[factorOfTerm[t]] = RowResultAssembler.ReferenceCode(rows.Factors[factorOfTerm[t]], formula.Terms[t]);
            }
        }

        return (factorOfTerm, covariateOfTerm, reference);
    }

    private static (WithinErrors Errors, string Type, string[] Clusters) RowErrors(FitOptions options, RowColumns rows)
    {
        string[] clusters = new[] { options.ClusterColumn, options.SecondClusterColumn }.OfType<string>().ToArray();
        int[] clusterFactors = clusters.Select(c => Array.FindIndex(rows.Factors, f => f.Name == c)).ToArray();
        string? robust = clusters.Length > 0 ? "cluster" : options.StandardErrors == StandardErrorKind.Hc1 ? "hc1" : null;
        var errors = new WithinErrors(robust, clusterFactors, options.SmallSample == SmallSampleConvention.Fixest);
        string type = clusters.Length > 0 ? $"cluster({string.Join(",", clusters)})" : robust ?? "classical";
        return (errors, type, clusters);
    }

    private static string SmallSampleNote(FitOptions options, WithinErrors errors) =>
        errors.Robust is null && options.SmallSample != SmallSampleConvention.Fixest
            ? string.Empty
            : options.SmallSample == SmallSampleConvention.Fixest
                ? "; small-sample factors as fixest's defaults (K counts each factor's levels − 1 and the intercept, factors nested in a cluster not counted; clusters min G/(min G − 1))"
                : "; small-sample factors as R sandwich on the full dummy model (K the rank; HC1 n/(n − K); clusters G/(G − 1)·(n − 1)/(n − K), each way its own G)";
}
