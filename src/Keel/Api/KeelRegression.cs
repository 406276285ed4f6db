using Keel.Data;
using Keel.Pipeline;
using Keel.Solvers;

namespace Keel;

/// <summary>
/// Least squares for large, sparse, categorical data: the entry point of the library. One call reads
/// the data once into cells of exact sufficient statistics, diagnoses the design (rank, aliasing,
/// conditioning) and solves.
/// </summary>
/// <example>
/// <code>
/// RegressionResult result = KeelRegression.Fit("sales.csv", "log(revenue) ~ region + city + C(month)");
/// Console.WriteLine(result.Summary());
/// </code>
/// </example>
/// <remarks>
/// Bad input (a missing file, a formula error, a column that is not there, a text value where a number is
/// needed) throws <see cref="KeelInputException"/> with a one-line message naming where; numerical
/// outcomes (aliasing, ill-conditioning, no convergence) never throw: they are in the result with a warning.
/// The <c>Async</c> variants run the same work on the thread pool.
/// </remarks>
public static class KeelRegression
{
    /// <summary>Fits a model to a data file (CSV or CSV.GZ), a folder of them, or a glob.</summary>
    /// <param name="path">The file, folder or glob.</param>
    /// <param name="formula">An R-style formula, e.g. <c>y ~ region + city + C(month) + x</c>.</param>
    /// <param name="settings">How to fit; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress of the row pass and the solve, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the row pass and the iterative solver.</param>
    /// <returns>The result.</returns>
    /// <exception cref="KeelInputException">Bad input, with a message naming where.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static RegressionResult Fit(string path, string formula, FitSettings? settings = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Fit([path], formula, settings, progress, cancellationToken);
    }

    /// <summary>Fits a model to several data files read as one dataset (the result does not depend on their order).</summary>
    /// <param name="paths">Files, folders or globs.</param>
    /// <param name="formula">An R-style formula, e.g. <c>y ~ region + city + C(month) + x</c>.</param>
    /// <param name="settings">How to fit; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress of the row pass and the solve, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the row pass and the iterative solver.</param>
    /// <returns>The result.</returns>
    /// <exception cref="KeelInputException">Bad input, with a message naming where.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static RegressionResult Fit(IEnumerable<string> paths, string formula, FitSettings? settings = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Run(Options(formula, settings) with { Inputs = paths.ToList() }, progress, cancellationToken);
    }

    /// <summary>Fits a model to columns already in memory.</summary>
    /// <param name="data">The columns.</param>
    /// <param name="formula">An R-style formula over the column names.</param>
    /// <param name="settings">How to fit; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress of the row pass and the solve, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the row pass and the iterative solver.</param>
    /// <returns>The result.</returns>
    /// <exception cref="KeelInputException">Bad input, with a message naming the row and column.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static RegressionResult Fit(DataColumns data, string formula, FitSettings? settings = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Run(Options(formula, settings) with { Sources = [data.Open] }, progress, cancellationToken);
    }

    /// <summary>Fits a model to a data file on the thread pool; see <see cref="Fit(string, string, FitSettings?, IProgress{FitProgress}?, CancellationToken)"/>.</summary>
    /// <param name="path">The file, folder or glob.</param>
    /// <param name="formula">An R-style formula.</param>
    /// <param name="settings">How to fit; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the row pass and the iterative solver.</param>
    /// <returns>The result.</returns>
    public static Task<RegressionResult> FitAsync(string path, string formula, FitSettings? settings = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Fit(path, formula, settings, progress, cancellationToken), cancellationToken);

    /// <summary>Fits a model to several data files on the thread pool; see <see cref="Fit(IEnumerable{string}, string, FitSettings?, IProgress{FitProgress}?, CancellationToken)"/>.</summary>
    /// <param name="paths">Files, folders or globs.</param>
    /// <param name="formula">An R-style formula.</param>
    /// <param name="settings">How to fit; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the row pass and the iterative solver.</param>
    /// <returns>The result.</returns>
    public static Task<RegressionResult> FitAsync(IEnumerable<string> paths, string formula, FitSettings? settings = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Fit(paths, formula, settings, progress, cancellationToken), cancellationToken);

    /// <summary>Fits a model to columns in memory on the thread pool; see <see cref="Fit(DataColumns, string, FitSettings?, IProgress{FitProgress}?, CancellationToken)"/>.</summary>
    /// <param name="data">The columns.</param>
    /// <param name="formula">An R-style formula.</param>
    /// <param name="settings">How to fit; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the row pass and the iterative solver.</param>
    /// <returns>The result.</returns>
    public static Task<RegressionResult> FitAsync(DataColumns data, string formula, FitSettings? settings = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Fit(data, formula, settings, progress, cancellationToken), cancellationToken);

    private static FitOptions Options(string formula, FitSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(formula);
        settings ??= new FitSettings();
        if (settings.Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Threads, "Threads must be positive (or null for all cores)");
        }

        var options = new FitOptions
        {
            Formula = formula,
            Inputs = [],
            WeightColumn = settings.WeightColumn,
            Solver = settings.Solver switch
            {
                SolverKind.Qr => SolverChoice.Qr,
                SolverKind.Lsmr => SolverChoice.Lsmr,
                _ => SolverChoice.Auto,
            },
            DropInvalid = settings.DropInvalidRows,
            Family = settings.Family switch
            {
                ModelFamily.Poisson => Keel.Solvers.Glm.GlmFamily.Poisson,
                ModelFamily.Binomial => Keel.Solvers.Glm.GlmFamily.Binomial,
                _ => Keel.Solvers.Glm.GlmFamily.Gaussian,
            },
            Threads = settings.Threads ?? Environment.ProcessorCount,
            MaxIterations = settings.Lsmr.MaxIterations,
        };
        if (settings.Lsmr.Tolerance is { } tolerance)
        {
            options = options with
            {
                IterativeTolerance = tolerance is > 0 and < 1 ? tolerance : throw new ArgumentOutOfRangeException(nameof(settings), tolerance, "Lsmr.Tolerance must be between 0 and 1"),
            };
        }

        return options;
    }

    private static RegressionResult Run(FitOptions options, IProgress<FitProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IProgress<PipelineProgress>? relay = progress is null ? null : new ProgressRelay(progress);
        FitOutcome outcome = FitPipeline.Run(options, relay, cancellationToken);
        return RegressionResult.Of(outcome.Result, options.DiagnoseOnly);
    }

    /// <summary>Turns the pipeline's progress into the public record (the pipeline reports synchronously).</summary>
    private sealed class ProgressRelay(IProgress<FitProgress> target) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => target.Report(new FitProgress
        {
            Stage = value.Stage == "read" ? FitStage.Reading : FitStage.Solving,
            RowsRead = value.RowsRead,
            Cells = value.Cells,
            FractionRead = value.BytesTotal > 0 ? (double)value.BytesDone / value.BytesTotal : null,
            Iteration = value.Iteration,
        });
    }
}
