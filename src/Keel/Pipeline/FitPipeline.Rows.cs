using System.Globalization;
using Keel.Model;
using Keel.Results;
using Keel.Rows;
using Keel.Solvers.FixedEffects;

namespace Keel.Pipeline;

/// <summary>The row path: rows kept as columns, factors absorbed, covariates by Frisch–Waugh–Lovell.</summary>
internal static partial class FitPipeline
{
    private static FitOutcome RunRows(Formula formula, RowPathPlan plan, FitOptions options, StageClock clock, IProgress<PipelineProgress>? progress, CancellationToken cancel)
    {
        int threads = Math.Max(1, options.Threads);
        progress?.Report(new PipelineProgress("read", 0, 0, 0, 0));
        RowColumns rows = CsvRowReader.Read(plan.Files, plan.Read, threads, cancel);
        clock.Lap("read");
        if (rows.Count == 0)
        {
            throw new KeelInputException($"{plan.Files[0]}: no rows to fit ({rows.Counts.RowsRead} read, {rows.Counts.DroppedMissing} with a missing value, {rows.Counts.DroppedInvalid} with an invalid target)");
        }

        // The absorbing factor: the model's factor with the most levels (the first of equals).
        int absorbing = 0;
        for (int f = 1; f < plan.ModelFactors; f++)
        {
            if (rows.Factors[f].LevelCount > rows.Factors[absorbing].LevelCount)
            {
                absorbing = f;
            }
        }

        int[] segmentStart = CanonicalRowOrder.Apply(rows, absorbing, threads);
        clock.Lap("order");
        progress?.Report(new PipelineProgress("within", rows.Count, rows.Count, 0, 0));

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

        string[] clusters = new[] { options.ClusterColumn, options.SecondClusterColumn }.OfType<string>().ToArray();
        int[] clusterFactors = clusters.Select(c => Array.FindIndex(rows.Factors, f => f.Name == c)).ToArray();
        string? robust = clusters.Length > 0 ? "cluster" : options.StandardErrors == StandardErrorKind.Hc1 ? "hc1" : null;
        var errors = new WithinErrors(robust, clusterFactors, options.SmallSample == SmallSampleConvention.Fixest);
        WithinFit fit = WithinEstimator.Fit(rows, plan.ModelFactors, absorbing, segmentStart, reference, options.FixedEffects, errors, threads, cancel);
        clock.Lap("solve");

        string others = string.Join(" + ", Enumerable.Range(0, plan.ModelFactors).Where(f => f != absorbing).Select(f => rows.Factors[f].Name));
        string reason = plan.Reason + string.Create(
            CultureInfo.InvariantCulture,
            $"; Frisch–Waugh–Lovell: {rows.Factors[absorbing].Name} ({rows.Factors[absorbing].LevelCount} levels) absorbed exactly{(others.Length == 0 ? "" : $", {others} by conjugate gradients on the Schur complement ({fit.Iterations} iterations, relative residual ≤ {options.FixedEffects.Tolerance:G2})")}; covariates by Householder QR with one refinement step");
        string type = clusters.Length > 0 ? $"cluster({string.Join(",", clusters)})" : robust ?? "classical";
        if (robust is not null || options.SmallSample == SmallSampleConvention.Fixest)
        {
            reason += options.SmallSample == SmallSampleConvention.Fixest
                ? "; small-sample factors as fixest's defaults (K counts each factor's levels − 1 and the intercept, factors nested in a cluster not counted; clusters min G/(min G − 1))"
                : "; small-sample factors as R sandwich on the full dummy model (K the rank; HC1 n/(n − K); clusters G/(G − 1)·(n − 1)/(n − K), each way its own G)";
        }

        var design = new RowDesignOperator(rows, [.. Enumerable.Range(0, plan.ModelFactors)], absorbing, segmentStart, threads);
        FitResult result = RowResultAssembler.Assemble(formula, rows, factorOfTerm, covariateOfTerm, reference, fit, reason, type, threads, options.FixedEffects.Tolerance, design, options.DiagnoseOnly);
        clock.Lap("assemble");
        return new FitOutcome(result, null, null, null);
    }
}
