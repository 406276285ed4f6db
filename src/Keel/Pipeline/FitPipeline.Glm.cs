using System.Globalization;
using Keel.Compression;
using Keel.Diagnostics;
using Keel.Model;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Glm;

namespace Keel.Pipeline;

/// <summary>
/// `--family poisson|binomial`: targets checked, separated levels found and left out, IRLS over the
/// cells with the dense or the iterative least-squares path for each step (docs/glm.md).
/// </summary>
internal static partial class FitPipeline
{
    private static FitOutcome RunGlm(Design design, FitOptions options, bool dense, string reason, StageClock clock, CancellationToken cancel)
    {
        GlmFamily family = options.Family;
        if (IsRemedy(options.Solver))
        {
            throw new KeelInputException($"--family {GlmFamilies.Name(family)} takes --solver auto, qr or lsmr: the penalised and SGD solvers fit least squares only");
        }

        CheckCellTargets(design, family);
        double[]? offsetByCell = CellOffsets(design, options);
        SeparationResult separation = Separation.Detect(design, family);
        Func<Design, bool, LeastSquaresSolution> solve = dense
            ? (working, final) => DenseSolve.Solve(working, diagnostics: final)
            : (working, final) => IterativeSolve.Solve(working, options, cancel, diagnostics: final);
        separation = SeparationCertificate.Extend(design, separation, solve, GlmOptions.Default, cancel, family);

        GlmFit fit = Irls.Fit(design, family, separation.CellIsSeparated, solve, GlmOptions.Default, cancel, offsetByCell);
        clock.Lap("solve");

        var glm = new GlmReport
        {
            Family = family,
            Converged = fit.Converged,
            Deviance = fit.Deviance,
            NullDeviance = fit.NullDeviance,
            DevianceOfRows = fit.DevianceOfRows,
            RowsFitted = fit.RowsFitted,
            DfNull = fit.RowsFitted - (design.Formula.HasIntercept ? 1 : 0),
            SeparatedRows = separation.Rows,
            SeparatedColumns = SeparatedColumns(design, separation.CellIsSeparated),
            SeparationMessage = separation.Any ? Separation.Describe(separation, family, design.Cells.Counts.RowsUsed) : null,
        };
        string why = string.Create(CultureInfo.InvariantCulture, $"{GlmFamilies.Name(family)} likelihood with the {GlmFamilies.Link(family)} link by IRLS on the cells (stop when |ΔD|/(|D| + 0.1) < {GlmOptions.Default.Tolerance:G3}, R's rule), each weighted least-squares step by {(dense ? "pivoted QR" : "LSMR")}: ") + reason;
        FitResult result = ResultAssembler.Assemble(fit.WorkingDesign, fit.Solution, diagnoseOnly: false, new SolverReport(dense ? "qr" : "lsmr", why, options.Threads), glm);
        clock.Lap("assemble");
        // The likelihood's own iteration count and stopping rule replace the last weighted solve's.
        result.Iterations = fit.Iterations;
        result.Tolerance = GlmOptions.Default.Tolerance;
        result.StopReason = fit.Converged ? "deviance converged" : $"no convergence of the deviance within {GlmOptions.Default.MaxIterations} iterations";
        ApplyGlmStandardErrors(result, design, fit, separation.CellIsSeparated, options);
        return new FitOutcome(result, design, fit.Solution, fit.MeanByCell);
    }

    // offset(...) needs the cells' Σw·e^offset (the row pass; docs/glm.md), and HC1 the rows' own
    // residuals, which cells of several rows with different offsets do not determine.
    private static double[]? CellOffsets(Design design, FitOptions options)
    {
        if (design.Formula.Offset is not { } offset)
        {
            return null;
        }

        if (design.Cells.SumWExpOffset is null)
        {
            throw new KeelInputException($"{offset.Label}: cells files carry no Σw·e^offset (their format has no such column yet), so a poisson rate with an offset needs the rows: fit the CSV or Parquet files");
        }

        if (options.StandardErrors == StandardErrorKind.Hc1 && options.ClusterColumn is null && design.Cells.RowCount.Any(n => n > 1))
        {
            throw new KeelInputException($"--se hc1 with {offset.Label}: HC1 needs each row's residual, which a cell of several rows with different exposures does not determine; use --cluster COL (exact with an offset)");
        }

        return Irls.CellOffsets(design);
    }

    // The row pass names the first row whose target the family cannot take.
    private static TargetDomain TargetDomainOf(GlmFamily family) => family switch
    {
        GlmFamily.Poisson => TargetDomain.NonNegative,
        GlmFamily.Binomial => TargetDomain.UnitInterval,
        _ => TargetDomain.Any,
    };

    // Cells files and database sources arrive without rows: a cell mean outside the family's range
    // is bad input named by its key (rows from CSV or Parquet were checked in the row pass).
    private static void CheckCellTargets(Design design, GlmFamily family)
    {
        for (int c = 0; c < design.CellCount; c++)
        {
            double y = design.CellMean[c];
            bool bad = family == GlmFamily.Poisson ? y < 0 : y is < 0 or > 1;
            if (bad && design.CellWeight[c] > 0)
            {
                string key = string.Join(", ", design.Cells.KeyColumns.Select((k, j) => $"{k.Name} = {k.Labels[design.Cells.Code(c, j)]}"));
                throw new KeelInputException(string.Create(CultureInfo.InvariantCulture, $"the cell with {key}: mean target {y:R} {(family == GlmFamily.Poisson ? "is negative; --family poisson needs non-negative targets" : "is outside [0, 1]; --family binomial needs 0/1 targets or proportions (with --weights as trials)")}"));
            }
        }
    }

    // A solved column whose every non-empty cell is separated has an infinite estimate.
    private static bool[] SeparatedColumns(Design design, bool[] separatedCell)
    {
        var seen = new bool[design.SolvedCount];
        var kept = new bool[design.SolvedCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            for (int s = 0; s < design.SlotsPerCell; s++)
            {
                int at = (c * design.SlotsPerCell) + s;
                int j = design.SlotColumn[at];
                if (j >= 0 && design.SlotValue[at] != 0 && design.CellWeight[c] > 0)
                {
                    seen[j] = true;
                    kept[j] |= !separatedCell[c];
                }
            }
        }

        return seen.Select((s, j) => s && !kept[j]).ToArray();
    }

    // Classical: (X'ΩX)⁻¹ at the fit, dispersion 1 (set by the assembler). HC1 and CR1: the sandwich
    // with the score x_c·(Σwy − Σw·μ_c) per cell, i.e. working residual times working weight (R's
    // sandwich::estfun.glm), bread (X'ΩX)⁻¹ and the same small-sample factors as for least squares.
    private static void ApplyGlmStandardErrors(FitResult result, Design design, GlmFit fit, bool[] separated, FitOptions options)
    {
        if (options.StandardErrors == StandardErrorKind.Classical && options.ClusterColumn is null)
        {
            result.StdErrorType = "classical";
            return;
        }

        if (options.ClusterColumn is null && options.WeightColumn is not null)
        {
            throw new KeelInputException("--se hc1 with --weights: HC1 needs Σw²(y − μ)² per cell, which the cells' sums (Σw, Σwy, Σwy²) do not determine; use --cluster COL (exact with weights) or fit without weights");
        }

        string type = options.ClusterColumn is { } col ? $"cluster({col})" : "hc1";
        result.StdErrorType = type;
        LeastSquaresSolution solution = fit.Solution;
        if (solution.Covariance is null)
        {
            foreach (CoefficientResult c in result.Coefficients.Where(c => c.Status == CoefficientStatus.Estimated))
            {
                c.StdError = null;
            }

            result.Warnings.Add(new FitWarning(WarningCodes.StandardErrorsUnavailable, $"{type} standard errors need (X'ΩX)⁻¹, which only the dense path provides; use --solver qr"));
            return;
        }

        // The least-squares sandwich over the prior-weight design with "fitted" μ: its residual
        // ȳ − μ times Σw is the GLM score, and its pure error the within-cell part of Σ(y − μ)².
        // Separated cells are fitted exactly (μ = ȳ) and so add nothing.
        var mu = new double[design.CellCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            mu[c] = separated[c] ? design.CellMean[c] : fit.MeanByCell[c];
        }

        RobustStandardErrors(result, design, solution, mu, fit.RowsFitted, options);
    }
}
