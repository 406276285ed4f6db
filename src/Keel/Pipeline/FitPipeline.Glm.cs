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
            throw KeelInputException.ForOption("--family", $"--family {GlmFamilies.Name(family)} takes --solver auto, qr or lsmr: the penalised and SGD solvers fit least squares only");
        }

        CheckCellTargets(design, family);
        double[]? offsetByCell = CellOffsets(design, options);
        SeparationResult separation = Separation.Detect(design, family);
        Func<Design, bool, LeastSquaresSolution> solve = dense
            ? (working, final) => DenseSolve.Solve(working, diagnostics: final)
            : (working, final) => IterativeSolve.Solve(working, options.Iterative, cancel, diagnostics: final);
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
            // The likelihood's own iteration count and stopping rule, not the last weighted solve's.
            Iterations = fit.Iterations,
            Tolerance = GlmOptions.Default.Tolerance,
            StopReason = fit.Converged ? "deviance converged" : $"no convergence of the deviance within {GlmOptions.Default.MaxIterations} iterations",
        };
        string why = string.Create(CultureInfo.InvariantCulture, $"{GlmFamilies.Name(family)} likelihood with the {GlmFamilies.Link(family)} link by IRLS on the cells (stop when |ΔD|/(|D| + 0.1) < {GlmOptions.Default.Tolerance:G3}, R's rule), each weighted least-squares step by {(dense ? "pivoted QR" : "LSMR")}: ") + reason;
        // Classical: (X'ΩX)⁻¹ at the fit, dispersion 1. HC1 and CR1: the sandwich with the scores of
        // the prior-weight design at μ (StandardErrorAssembly), a separated cell fitted by its own mean.
        var mu = new double[design.CellCount];
        for (int c = 0; c < design.CellCount; c++)
        {
            mu[c] = separation.CellIsSeparated[c] ? design.CellMean[c] : fit.MeanByCell[c];
        }

        StandardErrorRequest standardErrors = StandardErrorsOf(options) with { PriorDesign = design };
        FitResult result = ResultAssembler.Assemble(fit.WorkingDesign, fit.Solution, diagnoseOnly: false, new SolverReport(dense ? "qr" : "lsmr", why, options.Threads), glm, standardErrors, fitted: mu);
        clock.Lap("assemble");
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
            throw KeelInputException.ForOption("--cells", $"{offset.Label}: cells files carry no Σw·e^offset (their format has no such column yet), so a poisson rate with an offset needs the rows: fit the CSV or Parquet files");
        }

        if (options.StandardErrors == StandardErrorKind.Hc1 && options.ClusterColumn is null && design.Cells.RowCount.Any(n => n > 1))
        {
            throw KeelInputException.ForOption("--se", $"--se hc1 with {offset.Label}: HC1 needs each row's residual, which a cell of several rows with different exposures does not determine; use --cluster COL (exact with an offset)");
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
}
