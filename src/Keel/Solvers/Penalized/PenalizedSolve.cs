using Keel.Diagnostics;
using Keel.Model;
using Keel.Solvers.Iterative;

namespace Keel.Solvers.Penalized;

/// <summary>Which penalty: the lasso is α = 1, ridge α = 0, the elastic net anything between.</summary>
internal enum PenaltyKind
{
    Ridge,
    Lasso,
    ElasticNet,
}

/// <summary>What the penalised fit chose and how (written in the result's solver section).</summary>
/// <param name="Lambda">The λ of the reported coefficients.</param>
/// <param name="Alpha">The elastic-net mix.</param>
/// <param name="LambdaMax">The smallest λ with every penalised coefficient 0 (at α = max(α, 1e-3)).</param>
/// <param name="PathSteps">λ values solved on the full data (warm starts) before the reported one.</param>
/// <param name="Folds">Cross-validation folds, or null when λ was given.</param>
/// <param name="CvError">Cross-validated mean squared error per row at λ, or null.</param>
/// <param name="LambdaOneStandardError">cv.glmnet's lambda.1se, or null.</param>
/// <param name="Method">How the coefficients at λ were computed.</param>
/// <param name="ChosenAtPathEnd">True when cross-validation chose the path's smallest λ: the best λ may lie below the path.</param>
internal sealed record PenaltyReport(PenaltyKind Kind, double Lambda, double Alpha, double LambdaMax, int PathSteps, int? Folds, double? CvError, double? LambdaOneStandardError, string Method, bool ChosenAtPathEnd = false);

/// <summary>
/// Ridge, lasso and elastic net on a design over cells: λ_max, the λ path with warm starts and
/// strong rules, cross-validation when λ is not given, then the fit at λ (exact augmented least
/// squares for ridge, coordinate descent otherwise). See docs/penalized.md.
/// </summary>
internal static class PenalizedSolve
{
    public static LeastSquaresSolution Solve(Design design, PenaltyKind kind, PenalizedOptions options, bool denseFits, LsmrOptions lsmrOptions, CancellationToken cancel)
    {
        double alpha = kind switch { PenaltyKind.Ridge => 0.0, PenaltyKind.Lasso => 1.0, _ => options.Alpha };
        if (!(alpha >= 0 && alpha <= 1))
        {
            throw KeelInputException.ForOption("--alpha", $"--alpha {options.Alpha}: expected a number between 0 (ridge) and 1 (lasso)");
        }

        if (options.Lambda is { } given && !(given >= 0 && double.IsFinite(given)))
        {
            throw KeelInputException.ForOption("--lambda", $"--lambda {given}: expected a non-negative number");
        }

        int p = design.SolvedCount;
        var penalized = new bool[p];
        for (int j = 0; j < p; j++)
        {
            penalized[j] = design.Columns[design.ColumnOfSolved[j]].Term != "(Intercept)";
        }

        // Targets beyond 2^±400 are fitted scaled by 2^k (exact): ridge and lasso are homogeneous
        // (y → 2^k·y gives β → 2^k·β at λ for ridge, at 2^k·λ for the lasso), so the coefficients
        // scale back exactly. The elastic net mixes both and is not: it runs unscaled, and anything
        // that overflows there is nulled with a warning by the result sanitizer.
        int k = alpha is 0 or 1 ? design.TargetScaleExponent : 0;
        double[] meanByCell = k == 0 ? design.CellMean : design.CellMean.Select(mean => Math.ScaleB(mean, k)).ToArray();
        // λ of the coordinate-descent problem per λ of the user's problem.
        double lambdaToScaled = alpha == 1 ? Math.ScaleB(1.0, k) : 1.0;

        CellColumns columns = CellColumns.From(design);
        var cd = new CoordinateDescent(columns, design.CellWeight, meanByCell, penalized, options);
        // λ_max is proportional to y for every α (ridge takes it at α = 1e-3): back to the user's units.
        double lambdaMax = Math.ScaleB(cd.LambdaMax(alpha), -k);
        if (!double.IsFinite(lambdaMax) && options.Lambda is null)
        {
            // Ridge's λ_max (taken at α = 1e-3) is 1000·max|x'y|/W: beyond the double range for targets near 1e308.
            throw KeelInputException.ForOption("--solver", $"--solver {kind.ToString().ToLowerInvariant()}: the λ path for targets this large (λ_max = max|x'y|/(W·max(α, 0.001))) lies beyond the double range; give --lambda");
        }

        double minRatio = options.MinRatio ?? LambdaPath.DefaultMinRatio(design.Cells.Counts.RowsUsed, p);
        double[] grid = lambdaMax > 0 ? LambdaPath.Grid(lambdaMax, options.PathLength, minRatio) : [0.0];

        CrossValidationResult? cv = null;
        double lambda;
        if (options.Lambda is { } chosen)
        {
            lambda = chosen;
        }
        else
        {
            var pureByCell = new double[design.CellCount];
            for (int c = 0; c < design.CellCount; c++)
            {
                pureByCell[c] = PureError.OfCell(design.Cells.SumW[c], design.Cells.SumWy[c].ScaleB(k), design.Cells.SumWy2[c].ScaleB(2 * k), design.Cells.RowCount[c]);
            }

            // Every held-out error scales by 2^2k, so the chosen index is that of the unscaled problem.
            cv = CrossValidation.Run(columns, design.CellWeight, meanByCell, pureByCell, penalized, alpha, grid.Select(l => l * lambdaToScaled).ToArray(), options.Folds, options);
            lambda = grid[cv.BestIndex];
        }

        double[] coefficients;
        bool converged;
        string method;
        long iterations;
        int steps = 0;
        if (alpha == 0)
        {
            (coefficients, method, converged, int its) = RidgeSolve.Solve(design, penalized, lambda, denseFits, lsmrOptions, cancel);
            iterations = its;
        }
        else
        {
            double previous = lambdaMax * lambdaToScaled;
            converged = true;
            foreach (double l in LambdaPath.Toward(grid, lambda))
            {
                cancel.ThrowIfCancellationRequested();
                if (l >= lambdaMax)
                {
                    // At and above λ_max the solution is the unpenalised fit LambdaMax left in cd (exactly 0 penalised).
                    continue;
                }

                converged &= cd.Fit(l * lambdaToScaled, previous, alpha) == CoordinateDescentStop.Converged;
                previous = l * lambdaToScaled;
                steps++;
            }

            coefficients = cd.Coefficients.Select(b => Math.ScaleB(b, -k)).ToArray();
            iterations = cd.Sweeps;
            method = $"coordinate descent with warm starts along the λ path and sequential strong rules ({steps} λ values, {cd.Sweeps} sweeps)";
        }

        converged &= cv?.Converged ?? true;
        var aliased = coefficients.Select(double.IsNaN).ToArray();
        var report = new PenaltyReport(
            kind,
            lambda,
            alpha,
            lambdaMax,
            Math.Max(0, steps - 1),
            cv is null ? null : options.Folds,
            cv is null ? null : Math.ScaleB(cv.MeanError[cv.BestIndex], -2 * k),
            cv is null ? null : grid[cv.OneStandardErrorIndex],
            method,
            cv is not null && grid.Length > 1 && cv.BestIndex == grid.Length - 1);
        return new LeastSquaresSolution
        {
            Coefficients = coefficients,
            Aliased = aliased,
            Dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>(),
            Converged = converged,
            Iterations = (int)Math.Min(int.MaxValue, iterations + (cv?.Sweeps ?? 0)),
            Tolerance = alpha == 0 ? null : options.Tolerance,
            StopReason = converged ? "Converged" : "SweepLimit",
            Penalty = report,
            PenalizedColumns = penalized,
        };
    }
}
