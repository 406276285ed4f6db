using System.Globalization;
using System.Text;
using Keel.Compression;
using Keel.Model;
using Keel.Solvers;

namespace Keel.Results;

/// <summary>
/// A value per combination (`--cells-out`): one row per observed cell with its regressor values,
/// n, the observed mean target, the fitted mean, its standard error and whether it is estimable.
/// An observed cell's fitted mean is always estimable: its design row is a row of the data, so it
/// lies in the row space whatever the aliasing. The standard error is sigma·sqrt(x'(X'WX)⁻¹x)
/// over the kept columns, when the solver provides the factor.
/// </summary>
internal static class CellsOutput
{
    /// <param name="shrunk">Optional shrunk values per cell (<see cref="CellShrinkage"/>), written as a last column "shrunk".</param>
    /// <param name="glm">For a poisson/binomial fit: <paramref name="fitted"/> holds μ, and its standard error is
    /// the delta method's V(μ)·sqrt(x'(X'ΩX)⁻¹x) (dμ/dη = V(μ) for a canonical link; dispersion 1); empty for a
    /// separated cell (μ at 0 or 1, where the linear predictor is infinite).</param>
    /// <param name="cancel">Stops the write; the destination then keeps its previous content (<see cref="AtomicFile"/>).</param>
    public static void Write(string path, Design design, LeastSquaresSolution solution, double[] fitted, double? sigma, double[]? shrunk = null, Keel.Solvers.Glm.GlmFamily? glm = null, CancellationToken cancel = default) =>
        AtomicFile.Write(path, "--cells-out", stream => Write(stream, design, solution, fitted, sigma, shrunk, glm), cancel);

    private static void Write(Stream stream, Design design, LeastSquaresSolution solution, double[] fitted, double? sigma, double[]? shrunk, Keel.Solvers.Glm.GlmFamily? glm)
    {
        sigma = glm is null ? sigma : 1.0;
        CellTable cells = design.Cells;
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
        var header = cells.KeyColumns.Select(k => Quote(k.Name)).Concat(["n", "mean", "fitted", "std_error", "estimable"]).Concat(shrunk is null ? [] : ["shrunk"]);
        writer.Write(string.Join(',', header));
        writer.Write('\n');
        var row = new double[design.SolvedCount];
        double[]? factorByCell = sigma is not null && solution.VarianceFactor is null ? solution.VarianceFactorByCell?.Invoke() : null;
        var line = new StringBuilder();
        for (int c = 0; c < cells.CellCount; c++)
        {
            line.Clear();
            for (int j = 0; j < cells.KeyColumns.Length; j++)
            {
                line.Append(Quote(cells.KeyColumns[j].Labels[cells.Code(c, j)])).Append(',');
            }

            double? se = null;
            if (sigma is { } s && (solution.VarianceFactor is not null || factorByCell is not null))
            {
                if (factorByCell is not null)
                {
                    se = s * Math.Sqrt(factorByCell[c]);
                }
                else
                {
                    Array.Clear(row);
                    design.AddRow(c, row);
                    se = s * Math.Sqrt(solution.VarianceFactor!(row));
                }

                if (glm is { } family)
                {
                    double slope = Keel.Solvers.Glm.GlmFamilies.Variance(family, fitted[c]);
                    se = slope > 0 ? slope * se : null;
                }
            }

            line.Append(cells.RowCount[c].ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Number(design.CellMean[c])).Append(',')
                .Append(Number(fitted[c])).Append(',')
                .Append(se is { } v && double.IsFinite(v) ? Number(v) : string.Empty).Append(",true");
            if (shrunk is not null)
            {
                line.Append(',').Append(double.IsFinite(shrunk[c]) ? Number(shrunk[c]) : string.Empty);
            }

            line.Append('\n');
            writer.Write(line);
        }
    }

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}

/// <summary>
/// Empirical-Bayes shrinkage of the cell means toward the fitted (additive) model, for sparse
/// combinations. Model: a cell's mean is ȳ_c = x_c'β + u_c + ε̄_c, with u_c ~ (0, τ²) what the
/// model misses in that combination (its interaction) and ε̄_c ~ (0, σ²/w_c), w_c = Σw of the
/// cell, σ² the pure-error variance PE/(rows − cells). The shrunk value is
/// fitted_c + k_c·(ȳ_c − fitted_c) with k_c = τ²w_c/(τ²w_c + σ²): a cell of many rows keeps its own
/// mean, a cell of one row leans on the model. τ² by moments from the lack-of-fit sum of squares
/// L = Σ w_c (ȳ_c − fitted_c)²: E[L] = σ²(m − r) + τ²(Σ w_c − Σ w_c² h_c) with
/// h_c = x_c'(X'WX)⁻¹x_c, m cells and r the rank; τ² = max(0, (L − σ²(m − r)) / (Σ w_c − Σ w_c² h_c)).
/// β is treated as known (the usual empirical-Bayes approximation; Morris 1983, JASA 78:47–55).
/// Needs replicated cells (for σ²) and the covariance factor (dense path); otherwise null.
/// </summary>
internal static class CellShrinkage
{
    public static double[]? Shrunk(Design design, LeastSquaresSolution solution, double[] fitted, out double tau2, out double sigma2)
    {
        tau2 = double.NaN;
        sigma2 = double.NaN;
        CellTable cells = design.Cells;
        long rows = cells.Counts.RowsUsed;
        int m = design.CellCount;
        double pure = Keel.Diagnostics.PureError.Total(cells, out _);
        if ((solution.VarianceFactor is null && solution.VarianceFactorByCell is null) || rows <= m || !(pure > 0) || m <= solution.Rank)
        {
            return null;
        }

        double[]? factorByCell = solution.VarianceFactor is null ? solution.VarianceFactorByCell!() : null;

        sigma2 = pure / (rows - m);
        double lack = 0, denominator = 0;
        var row = new double[design.SolvedCount];
        for (int c = 0; c < m; c++)
        {
            double w = design.CellWeight[c];
            double d = design.CellMean[c] - fitted[c];
            lack += w * d * d;
            double h;
            if (factorByCell is not null)
            {
                h = factorByCell[c];
            }
            else
            {
                Array.Clear(row);
                design.AddRow(c, row);
                h = solution.VarianceFactor!(row);
            }

            denominator += w - (w * w * h);
        }

        tau2 = denominator > 0 ? Math.Max(0, (lack - (sigma2 * (m - solution.Rank))) / denominator) : 0;
        var shrunk = new double[m];
        for (int c = 0; c < m; c++)
        {
            double k = tau2 * design.CellWeight[c] / ((tau2 * design.CellWeight[c]) + sigma2);
            shrunk[c] = fitted[c] + (k * (design.CellMean[c] - fitted[c]));
        }

        return shrunk;
    }
}
