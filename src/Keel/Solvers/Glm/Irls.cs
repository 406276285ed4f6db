// Irls: maximum likelihood of a canonical-link GLM on cells by iteratively reweighted least squares.
//
// Reference: McCullagh & Nelder (1989), §2.5; Green (1984), JRSS B 46, "Iteratively reweighted
//   least squares for maximum likelihood estimation"; R's glm.fit for the start, the stopping rule
//   and the halving of a step whose deviance is not finite.
// Notation (per cell c, prior weight W_c = Σw, response ȳ_c = Σwy/Σw; see GlmFamily):
//   η = Xβ, μ = g⁻¹(η), working weight ω_c = W_c·V(μ_c), working response z_c = η_c + (ȳ_c − μ_c)/V(μ_c).
//   One step: β_new = argmin Σ_c ω_c (z_c − x_c'β)², solved by the caller's least-squares path
//   (dense QR with refinement, or LSMR) on a Design with the same slots and (ω, z) as weights and
//   means. For a canonical link Fisher scoring is Newton's method, so the steps converge quadratically.
// Stop: |D − D_old| / (|D| + 0.1) < GlmOptions.Tolerance (R's rule; D the deviance of the cells).
// Offset (poisson, offset(log(e))): a cell's rows enter its likelihood through Σwy and E = Σw·e^offset
//   only (Σ w_i (y_i (x'β + o_i) − e^{x'β + o_i}) = S·x'β − e^{x'β}·E + const), which is that of one
//   observation of weight W, response ȳ and offset õ = log(E/W); so η = Xβ + õ and z = η − õ + (ȳ − μ)/V.
// Separated cells (Separation) get ω = 0: they are out of every step and of every sum here.
// Invariant: after the loop, Solution is the least-squares solve at the last η (the one whose
//   (X'ΩX)⁻¹ is the inverse Fisher information, as in R's summary.glm), and Eta = X·Solution.
// Cost: one weighted least-squares solve per iteration (typically 4 to 10) plus O(cells·slots).

using Keel.LinearAlgebra;
using Keel.Model;

namespace Keel.Solvers.Glm;

/// <summary>A converged (or not) likelihood fit over cells.</summary>
internal sealed class GlmFit
{
    public required LeastSquaresSolution Solution { get; init; }

    /// <summary>The design of the last weighted step: weights ω, means z (for the covariance and diagnostics).</summary>
    public required Design WorkingDesign { get; init; }

    public required double[] EtaByCell { get; init; }

    public required double[] MeanByCell { get; init; }

    public required bool Converged { get; init; }

    public required int Iterations { get; init; }

    public required double Deviance { get; init; }

    public required double NullDeviance { get; init; }

    /// <summary>True when the deviances are those of the rows (R's glm on the rows); false when they are of the cells (grouped data).</summary>
    public required bool DevianceOfRows { get; init; }

    public required long RowsFitted { get; init; }
}

/// <summary>IRLS over cells (see the file header).</summary>
internal static class Irls
{
    /// <param name="design">The design over cells with prior weights Σw and means ȳ.</param>
    /// <param name="family">Poisson or binomial.</param>
    /// <param name="separated">Cells left out (separated levels).</param>
    /// <param name="solve">A weighted least-squares solve of a design; the flag asks for the covariance and diagnostics (last step).</param>
    /// <param name="options">The stopping rule.</param>
    /// <param name="cancel">Cancellation between steps.</param>
    /// <param name="offsetByCell">õ_c = log(Σw·e^offset / Σw) per cell, or null without an offset.</param>
    public static GlmFit Fit(Design design, GlmFamily family, bool[] separated, Func<Design, bool, LeastSquaresSolution> solve, GlmOptions options, CancellationToken cancel, double[]? offsetByCell = null)
    {
        int m = design.CellCount;
        double[] offset = offsetByCell ?? new double[m];
        var eta = new double[m];
        for (int c = 0; c < m; c++)
        {
            // R's glm.fit: η starts at g(mustart), the offset not added.
            eta[c] = InFit(design, separated, c) ? GlmFamilies.LinearPredictor(family, GlmFamilies.StartingMean(family, design.CellMean[c], design.CellWeight[c])) : offset[c];
        }

        double devianceOld = CellsDeviance(design, family, separated, eta);
        int iterations = 0;
        bool converged = false;
        double[]? coefficientsOld = null;
        while (iterations < options.MaxIterations)
        {
            cancel.ThrowIfCancellationRequested();
            iterations++;
            LeastSquaresSolution step = solve(WorkingDesign(design, family, separated, eta, offset), false);
            double[] coefficients = step.Coefficients;
            double[] etaNew = LinearPredictor(design, step, offset);
            double deviance = CellsDeviance(design, family, separated, etaNew);
            for (int halving = 0; !double.IsFinite(deviance) && coefficientsOld is not null && halving < options.MaxStepHalvings; halving++)
            {
                // R's glm.fit: a step to a non-finite deviance is halved towards the last good β.
                for (int j = 0; j < coefficients.Length; j++)
                {
                    coefficients[j] = step.Aliased[j] ? double.NaN : 0.5 * (coefficients[j] + coefficientsOld[j]);
                }

                etaNew = LinearPredictor(design, step, offset);
                deviance = CellsDeviance(design, family, separated, etaNew);
            }

            if (!double.IsFinite(deviance))
            {
                break;
            }

            eta = etaNew;
            coefficientsOld = (double[])coefficients.Clone();
            bool done = Math.Abs(deviance - devianceOld) / (Math.Abs(deviance) + 0.1) < options.Tolerance;
            devianceOld = deviance;
            if (done)
            {
                converged = true;
                break;
            }
        }

        // The last step again at the final η, this time with its covariance: the inverse Fisher information.
        Design working = WorkingDesign(design, family, separated, eta, offset);
        LeastSquaresSolution solution = solve(working, true);
        iterations++;
        double[] finalEta = LinearPredictor(design, solution, offset);
        var mean = new double[m];
        for (int c = 0; c < m; c++)
        {
            mean[c] = InFit(design, separated, c) ? GlmFamilies.Mean(family, finalEta[c]) : design.CellMean[c];
        }

        (double finalDeviance, double nullDeviance, bool ofRows) = Deviances(design, family, separated, mean, offsetByCell);
        long rows = 0;
        for (int c = 0; c < m; c++)
        {
            rows += InFit(design, separated, c) ? design.Cells.RowCount[c] : 0;
        }

        return new GlmFit
        {
            Solution = solution,
            WorkingDesign = working,
            EtaByCell = finalEta,
            MeanByCell = mean,
            Converged = converged && solution.Converged,
            Iterations = iterations,
            Deviance = finalDeviance,
            NullDeviance = nullDeviance,
            DevianceOfRows = ofRows,
            RowsFitted = rows,
        };
    }

    private static bool InFit(Design design, bool[] separated, int c) => !separated[c] && design.CellWeight[c] > 0;

    // η = Xβ + õ per cell.
    private static double[] LinearPredictor(Design design, LeastSquaresSolution step, double[] offset)
    {
        double[] eta = step.FittedByCell(design);
        for (int c = 0; c < eta.Length; c++)
        {
            eta[c] += offset[c];
        }

        return eta;
    }

    /// <summary>õ_c = log(E_c / W_c), E = Σw·e^offset and W = Σw from the exact sums; null when the cells carry no offset.</summary>
    public static double[]? CellOffsets(Design design)
    {
        if (design.Cells.SumWExpOffset is not { } sumWe)
        {
            return null;
        }

        var offset = new double[design.CellCount];
        for (int c = 0; c < offset.Length; c++)
        {
            double w = design.Cells.SumW[c].ToDouble();
            offset[c] = w > 0 ? ElementaryFunctions.Log(sumWe[c].ToDouble() / w) : 0.0;
        }

        return offset;
    }

    // The weighted least-squares problem of one step: same slots, weights ω and means z (the offset taken off).
    private static Design WorkingDesign(Design design, GlmFamily family, bool[] separated, double[] eta, double[] offset)
    {
        int m = design.CellCount;
        var weight = new double[m];
        var z = new DoubleDouble[m];
        for (int c = 0; c < m; c++)
        {
            double mu = GlmFamilies.Mean(family, eta[c]);
            double v = GlmFamilies.Variance(family, mu);
            if (!InFit(design, separated, c) || !(v > 0) || !double.IsFinite(v))
            {
                // Out of the fit, or μ at 0 or 1 in double precision: the cell carries no information.
                z[c] = DoubleDouble.FromDouble(0.0);
                continue;
            }

            weight[c] = design.CellWeight[c] * v;
            z[c] = DoubleDouble.FromDouble(eta[c] - offset[c] + ((design.CellMean[c] - mu) / v));
        }

        return new Design(design.Formula, design.Cells, design.Columns, design.SolvedOfColumn, design.SlotsPerCell, design.SlotColumn, design.SlotValue, design.SlotValueLow, weight, z)
        {
            TermCodings = design.TermCodings,
        };
    }

    // Σ over cells in the fit of the cell deviance, in cell order (the convergence measure).
    private static double CellsDeviance(Design design, GlmFamily family, bool[] separated, double[] eta)
    {
        double sum = 0;
        for (int c = 0; c < design.CellCount; c++)
        {
            if (InFit(design, separated, c))
            {
                sum += GlmFamilies.CellDeviance(family, design.CellMean[c], design.CellWeight[c], GlmFamilies.Mean(family, eta[c]));
            }
        }

        return sum;
    }

    /// <summary>
    /// The deviance at the fitted means and of the null model (the weighted mean with an
    /// intercept, g⁻¹(0) without), each a sum over rows when the cells determine it: a cell
    /// whose rows share one target contributes its rows' deviance; a binomial cell of 0/1 rows
    /// its rows' −2·log-likelihood. Otherwise the within-cell part needs Σw·y·log y, which cells
    /// do not hold, and both deviances are those of the grouped data (their difference is the same).
    /// </summary>
    /// <remarks>
    /// With an offset the null model is the intercept fitted with the offset (R's glm refits it):
    /// poisson μ_c = e^õ_c·ΣS/ΣE, or e^õ_c without an intercept. The rows' deviance then also needs
    /// every row of a cell to share its offset, which the cells do not record: it is the rows' only
    /// for cells of one row or of all-zero targets (where the offset does not enter the deviance).
    /// </remarks>
    private static (double Deviance, double Null, bool OfRows) Deviances(Design design, GlmFamily family, bool[] separated, double[] mean, double[]? offset)
    {
        Compression.ExactSum totalW = default, totalWy = default;
        for (int c = 0; c < design.CellCount; c++)
        {
            if (InFit(design, separated, c))
            {
                totalW.Add(in design.Cells.SumW[c]);
                totalWy.Add(in design.Cells.SumWy[c]);
            }
        }

        double nullMean = design.Formula.HasIntercept ? totalWy.ToDouble() / totalW.ToDouble() : GlmFamilies.Mean(family, 0.0);
        double nullRate = 1.0;
        if (offset is not null)
        {
            Compression.ExactSum totalWe = default;
            for (int c = 0; c < design.CellCount; c++)
            {
                if (InFit(design, separated, c))
                {
                    totalWe.Add(in design.Cells.SumWExpOffset![c]);
                }
            }

            nullRate = design.Formula.HasIntercept ? totalWy.ToDouble() / totalWe.ToDouble() : 1.0;
        }

        double deviance = 0, nullDeviance = 0;
        bool ofRows = true;
        for (int c = 0; c < design.CellCount; c++)
        {
            if (!InFit(design, separated, c))
            {
                continue;
            }

            double w = design.CellWeight[c];
            double y = design.CellMean[c];
            if (family == GlmFamily.Binomial && RowsAreZeroOrOne(design, c))
            {
                double s = design.Cells.SumWy[c].ToDouble();
                deviance += GlmFamilies.BernoulliCellDeviance(s, w, mean[c]);
                nullDeviance += GlmFamilies.BernoulliCellDeviance(s, w, nullMean);
                continue;
            }

            ofRows &= design.Cells.RowCount[c] == 1 || (offset is null ? RowsShareTarget(design, c) : design.Cells.SumWy[c].IsZero);
            double cellNullMean = offset is null ? nullMean : nullRate * ElementaryFunctions.Exp(offset[c]);
            deviance += GlmFamilies.CellDeviance(family, y, w, mean[c]);
            nullDeviance += GlmFamilies.CellDeviance(family, y, w, cellNullMean);
        }

        if (!ofRows && family == GlmFamily.Poisson && offset is null && design.Cells.SumWYLogY is { } sumWYLogY)
        {
            // The rows' deviance is the cells' plus the within-cell part 2·Σ_c (Σw·y·log y − S_c·log ȳ_c),
            // which depends on no parameter (so it is added to the null deviance too). Summed exactly
            // (the products S_c·log ȳ_c unrounded), so cancellation in near-homogeneous cells costs nothing.
            Compression.ExactSum within = default;
            for (int c = 0; c < design.CellCount; c++)
            {
                if (InFit(design, separated, c) && design.Cells.RowCount[c] > 1 && !design.Cells.SumWy[c].IsZero)
                {
                    double sumWy = design.Cells.SumWy[c].ToDouble();
                    within.Add(in sumWYLogY[c]);
                    within.AddProduct(-sumWy, ElementaryFunctions.Log(sumWy / design.Cells.SumW[c].ToDouble()));
                }
            }

            double twice = 2 * within.ToDouble();
            deviance += twice;
            nullDeviance += twice;
            ofRows = true;
        }

        return (deviance, nullDeviance, ofRows);
    }

    // Σwy² = Σwy exactly: as 0 ≤ y ≤ 1 gives y² ≤ y with equality only at 0 and 1, every row is 0 or 1.
    private static bool RowsAreZeroOrOne(Design design, int c) => Compression.ExactSum.ExactlyEqual(in design.Cells.SumWy2[c], in design.Cells.SumWy[c]);

    // Σw·Σwy² = (Σwy)² exactly (Cauchy–Schwarz with equality): every row of the cell has the same target.
    private static bool RowsShareTarget(Design design, int c)
    {
        (System.Numerics.BigInteger w, int ew) = design.Cells.SumW[c].ToExact();
        (System.Numerics.BigInteger s2, int es2) = design.Cells.SumWy2[c].ToExact();
        (System.Numerics.BigInteger s, int es) = design.Cells.SumWy[c].ToExact();
        System.Numerics.BigInteger left = w * s2;
        System.Numerics.BigInteger right = s * s;
        int leftExponent = ew + es2;
        int rightExponent = 2 * es;
        if (left.IsZero || right.IsZero)
        {
            return left.IsZero && right.IsZero;
        }

        int shift = Math.Min(leftExponent, rightExponent);
        return (left << (leftExponent - shift)) == (right << (rightExponent - shift));
    }
}
