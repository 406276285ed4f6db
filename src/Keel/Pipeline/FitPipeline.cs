using Keel.Compression;
using Keel.Data;
using Keel.Diagnostics;
using Keel.Model;
using Keel.Results;
using Keel.Solvers;

namespace Keel.Pipeline;

/// <summary>Progress of a long pass, for a progress bar.</summary>
internal sealed record PipelineProgress(string Stage, long RowsRead, int Cells, long BytesDone, long BytesTotal)
{
    /// <summary>The iteration of an iterative solver (stage "lsmr"), else null.</summary>
    public int? Iteration { get; init; }

    /// <summary>The solver's estimate of ‖Aᵀr‖ at that iteration (what LSMR drives to 0).</summary>
    public double? NormAR { get; init; }

    /// <summary>The solver's estimate of ‖r‖ at that iteration.</summary>
    public double? NormR { get; init; }
}

/// <summary>A finished fit: the result and what produced it (for predictions and per-cell output).</summary>
/// <remarks>Design is null on the row path (no cells: RowPathChoice).</remarks>
internal sealed record FitOutcome(FitResult Result, Design? Design, LeastSquaresSolution? Solution, double[]? FittedByCell);

/// <summary>Forwards LSMR's reports synchronously (System.Progress would post them to the thread pool, out of order).</summary>
internal sealed class LsmrProgressForwarder(Action<Keel.Solvers.Iterative.LsmrProgress> report) : IProgress<Keel.Solvers.Iterative.LsmrProgress>
{
    public void Report(Keel.Solvers.Iterative.LsmrProgress value) => report(value);
}

/// <summary>
/// The spine: parse → choose the path → read (cells, or rows: FitPipeline.Rows) → build the design →
/// select the solver → diagnose (rank and aliasing) → solve → assemble once. Data flow one way; each
/// stage lives in its own folder and this class only connects them.
/// </summary>
internal static partial class FitPipeline
{
    public static FitOutcome Run(FitOptions options, IProgress<PipelineProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = StageClock.Start();
        if (options.DiagnoseOnly && IsRemedy(options.Solver))
        {
            // Diagnosis solves nothing: the remedies do not change rank, aliasing or conditioning.
            options = options with { Solver = SolverChoice.Auto };
        }

        Formula formula = FormulaParser.Parse(options.Formula);
        if (formula.Offset is { } offset && options.Family != Keel.Solvers.Glm.GlmFamily.Poisson && !options.DiagnoseOnly)
        {
            // Only the poisson likelihood of a cell depends on its rows' offsets through one sum (Σw·e^offset).
            throw KeelInputException.ForOption("--family", $"{offset.Label}: an offset is supported with --family poisson only (its likelihood depends on a cell's rows through Σw·e^offset; least squares and the logit do not)");
        }

        RowPathPlan? rowPath = RowPathChoice.Choose(formula, options);
        clock.Lap("path choice");
        if (options.SecondClusterColumn is not null && rowPath is null)
        {
            throw KeelInputException.ForOption("--cluster", $"--cluster {options.ClusterColumn},{options.SecondClusterColumn}: two-way clustering is available on the row path only (continuous covariates next to factors, plain CSV, no --weights, --cells-out or --report)");
        }

        // The row path declines (null) for a likelihood fit whose target is out of its family's range
        // and for a negative or non-finite weight (or all weights 0): the cell path's read then names the row.
        if (rowPath is not null && RunRows(formula, rowPath, options, clock, progress, cancel) is { } rowFit)
        {
            return rowFit;
        }

        CellTable cells = ReadCells(formula, options, progress, cancel);
        clock.Lap("read");
        Design design = DesignBuilder.Build(formula, cells, options.Threads);
        clock.Lap("design");

        (bool dense, string reason) = SolverSelection.For(design, options.Solver);
        progress?.Report(new PipelineProgress(dense ? "qr" : "lsmr", cells.Counts.RowsRead, cells.CellCount, 0, 0));
        cancel.ThrowIfCancellationRequested(); // the dense QR and the remedies do not look at the token
        if (options.Family != Keel.Solvers.Glm.GlmFamily.Gaussian && !options.DiagnoseOnly)
        {
            return RunGlm(design, options, dense, reason, clock, cancel);
        }

        if (IsRemedy(options.Solver))
        {
            return RunRemedy(design, options, clock, cancel);
        }

        // Diagnose: rank and aliasing decided before the solve, by the path's exact method (RankDecision).
        DenseDesignFactor? factor = dense ? DenseSolve.Factor(design) : null;
        RankDecision rank = factor?.Rank ?? RankDecision.ForLargeDesign(design, options.Threads);
        clock.Lap("diagnose");

        LeastSquaresSolution solution = factor is not null
            ? DenseSolve.Solve(factor)
            : IterativeSolve.Solve(
                design,
                rank,
                options.Iterative,
                cancel,
                progress is null ? null : new LsmrProgressForwarder(p => progress.Report(new PipelineProgress("lsmr", cells.Counts.RowsRead, cells.CellCount, 0, 0) { Iteration = p.Iteration, NormAR = p.NormAR, NormR = p.NormR })));
        clock.Lap("solve");

        double[] fitted = solution.FittedByCell(design);
        var result = ResultAssembler.Assemble(design, solution, options.DiagnoseOnly, new SolverReport(dense ? "qr" : "lsmr", reason + RefinementNote(dense, solution), options.Threads), standardErrors: StandardErrorsOf(options), fitted: fitted);
        clock.Lap("assemble");
        return new FitOutcome(result, design, solution, fitted);
    }

    /// <summary>The row pass over every input, as one dataset.</summary>
    public static CellTable ReadCells(Formula formula, FitOptions options, IProgress<PipelineProgress>? progress, CancellationToken cancel)
    {
        RowPassPlan plan = WithClusterKey(DesignBuilder.PlanFor(formula, options.WeightColumn, options.DropInvalid), options.ClusterColumn) with { TargetDomain = TargetDomainOf(options.Family), SumWYLogY = options.Family == Keel.Solvers.Glm.GlmFamily.Poisson };
        DataInputs inputs = DataInputs.Of(options.Inputs);
        if (!inputs.IsRows)
        {
            // Cells files are merged; database sources and --engine duckdb run the pass as one GROUP BY.
            return inputs.Cells ? CellsFileReader.Read(plan, inputs, cancel) : SqlPushDown.ReadCells(plan, inputs, cancel);
        }

        var pass = new RowPass(plan);
        var readClock = new SubStageClock("read");
        Action<RowPass, ITabularSource>? report = progress is null ? null : (p, s) => progress.Report(new PipelineProgress("read", p.RowsRead, p.CellCount, s.Position.Done, s.Position.Total));
        if (options.Sources is { } sources)
        {
            // In-memory columns from the library API.
            foreach (Func<ITabularSource> open in sources)
            {
                using ITabularSource source = open();
                pass.Add(source, report, cancel);
            }

            return pass.Finish(options.Threads);
        }

        foreach (string file in InputResolver.Resolve(options.Inputs))
        {
            if (ParallelRowPass.CanRead(file))
            {
                // Ranges read from their bytes (RowPass.AddUtf8), on every thread asked for; the same
                // bits at any thread count: per-thread cells merge exactly (ParallelRowPass).
                ParallelRowPass.AddCsv(
                    pass,
                    plan,
                    file,
                    options.Threads,
                    progress is null ? null : (rows, cells, done, total) => progress.Report(new PipelineProgress("read", rows, cells, done, total)),
                    cancel);
                continue;
            }

            using ITabularSource source = InputResolver.Open(file);
            pass.Add(source, report, cancel);
        }

        readClock.Lap("row pass");
        return pass.Finish(options.Threads);
    }
}
