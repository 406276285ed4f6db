// RowPathChoice: whether a fit keeps its rows as columns (the row path) instead of compressing them
// into cells. The cells are exact and fast when rows repeat; when they do not (a continuous
// covariate next to factors: every row its own cell) the cell table costs exact accumulators per
// row and the design a slot per row and term, and the row path is the better tool.
//
// Rule (docs/fixed-effects.md): the row path runs when
//   - the model is factors' main effects plus continuous covariates with an intercept (plain
//     numeric columns; no interactions, powers or logs on the right), with at least one of each;
//   - least squares (with or without --weights: a weighted fit is IRLS's gaussian case, one
//     weighted within step, RowGlm.FitWeightedLeastSquares; a zero weight's row is left out and
//     counted as on the cells, a negative or non-numeric weight sends the fit back to the cells,
//     whose read names the row), or
//     poisson (with or without an offset) or binomial without weights (fitted by RowGlm, and only when its design is
//     beyond the dense limits: smaller ones stay on the cells, with every level's standard error;
//     keel diagnose of a likelihood fit stays on the cells too); the inputs are plain CSV files, and nothing
//     asks for the cells (--cells-out, --report) or for another solver (--solver other than auto);
//   - in the first SampleRows data rows, at least half the rows are distinct combinations of the
//     regressors' values: the rows will not compress;
//   - or, for least squares of factors alone (no covariate), the same on a file of at least
//     SampleRows rows (smaller data are cheap on the cells). Rows that do not compress cost the cells
//     an exact accumulator per row: fixest's 10M shape without X1 took 24 s and 4.5 GB on the cells,
//     2.8 s and 0.47 GB on the rows; p1 of the benchmarks (2M rows, 5,000 + 500 + 50 + 12 levels,
//     91% of the sampled rows distinct, 57% of all) 1.7 s and 0.49 GB on the cells. The row path
//     then finds the cells as runs of its canonical order (the lack-of-fit test), and with the
//     further levels' Schur complement factored (FactorRank.Prepare: two or more factors, within
//     its limits) gives every level's standard error and the condition estimate through the exact
//     block factor, as the cells do (docs/fixed-effects.md).
// The reason is written to solver.reason either way.
using System.Globalization;
using Keel.Data;
using Keel.Model;
using Keel.Rows;
using Keel.Solvers;

namespace Keel.Pipeline;

/// <summary>What the row path reads and fits.</summary>
/// <param name="Files">The CSV files, read as one dataset.</param>
/// <param name="Read">The columns to read (covariates in formula order; the model's factors, then cluster-only columns).</param>
/// <param name="ModelFactors">How many of Read.FactorColumns are the model's factors (the rest are cluster columns).</param>
/// <param name="Reason">Why the row path was chosen.</param>
/// <param name="HasOffset">The last of Read.CovariateColumns is the offset's column (a likelihood fit's offset(...)), read with the covariates but not one of them.</param>
/// <param name="HasWeight">The last of Read.CovariateColumns is the --weights column (least squares), read with the covariates but not one of them.</param>
internal sealed record RowPathPlan(IReadOnlyList<string> Files, RowReadPlan Read, int ModelFactors, string Reason, bool HasOffset = false, bool HasWeight = false);

internal static class RowPathChoice
{
    /// <summary>Data rows looked at to decide whether the rows compress.</summary>
    public const int SampleRows = 16_384;

    /// <summary>The plan when the row path fits this model and data better, else null.</summary>
    public static RowPathPlan? Choose(Formula formula, FitOptions options)
    {
        // A poisson or logit fit takes the row path too (RowGlm) when its design is beyond the dense
        // limits (FitPipeline.Rows decides after the read), not for keel diagnose; a poisson offset's
        // column is read beside the covariates.
        bool likelihood = options.Family != Keel.Solvers.Glm.GlmFamily.Gaussian;
        if (options.Solver != SolverChoice.Auto || (likelihood && options.DiagnoseOnly) || options.NeedsCells || (likelihood && options.WeightColumn is not null)
            || options.Sources is not null || !formula.HasIntercept || formula.Terms.Count == 0)
        {
            return null;
        }

        if (formula.Terms.Any(t => t.Factors is not [VariableFactor or CategoricalFactor]))
        {
            return null;
        }

        // Only a plain column can be a continuous covariate: without one, only least squares of
        // factors (whose sample is then looked at for a factor of very many levels).
        bool factorsOnly = !formula.Terms.Any(t => t.Factors is [VariableFactor]);
        if (factorsOnly && likelihood)
        {
            return null;
        }

        DataInputs inputs = DataInputs.Of(options.Inputs);
        if (!inputs.IsRows)
        {
            return null;
        }

        IReadOnlyList<string> files;
        try
        {
            files = InputResolver.Resolve(options.Inputs);
        }
        catch (KeelInputException)
        {
            return null;  // the cell path reports it
        }

        if (files.Count == 0 || files.Any(f => !f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }


        string[] columns = formula.Terms.Select(t => t.Factors[0].Column).ToArray();
        (bool[] numeric, double distinctShare, int sampled) = Sample(files[0], formula.Response.Column, columns);
        if (sampled == 0)
        {
            return null;
        }

        var covariates = new List<string>();
        var factors = new List<string>();
        for (int t = 0; t < columns.Length; t++)
        {
            if (formula.Terms[t].Factors[0] is VariableFactor && numeric[t])
            {
                covariates.Add(columns[t]);
            }
            else
            {
                factors.Add(columns[t]);
            }
        }

        if (factors.Count == 0 || distinctShare < 0.5)
        {
            return null;
        }

        // Factors alone: least squares on a file of at least SampleRows rows (see the header).
        if (covariates.Count == 0 && (likelihood || sampled < SampleRows))
        {
            return null;
        }

        if (options.WeightColumn is { } weight && (weight == formula.Response.Column || covariates.Contains(weight, StringComparer.Ordinal) || factors.Contains(weight, StringComparer.Ordinal)))
        {
            return null;  // a regressor or the target as its own weight: the cells handle it
        }

        int modelFactors = factors.Count;
        foreach (string? cluster in new[] { options.ClusterColumn, options.SecondClusterColumn })
        {
            if (cluster is not null && !factors.Contains(cluster, StringComparer.Ordinal))
            {
                if (covariates.Contains(cluster, StringComparer.Ordinal) || cluster == formula.Response.Column)
                {
                    return null;  // clustering by a covariate or the target: the cell path says what is wrong
                }

                factors.Add(cluster);
            }
        }

        // Said without the sample's figures: the same data split differently must give the same result.
        string reason = covariates.Count > 0
            ? $"continuous {string.Join(", ", covariates)} next to factors, and at least half of the sampled rows distinct: rows kept as columns, not cells (the row path)"
            : "factors alone and at least half of the sampled rows distinct: rows kept as columns, not cells (the row path)";
        bool hasOffset = likelihood && formula.Offset is not null;
        string? weightColumn = likelihood ? null : options.WeightColumn;
        List<string> read = hasOffset ? [.. covariates, formula.Offset!.Column] : weightColumn is not null ? [.. covariates, weightColumn] : covariates;
        var plan = new RowReadPlan(formula.Response.Column, formula.Response.Log, read, factors, options.DropInvalid);
        return new RowPathPlan(files, plan, modelFactors, reason, hasOffset, HasWeight: weightColumn is not null);
    }

    // Which regressor columns are numeric in the sample, and the share of distinct regressor tuples.
    private static (bool[] Numeric, double DistinctShare, int Rows) Sample(string file, string target, string[] columns)
    {
        using CsvSource source = CsvSource.Open(file);
        var ordinals = new int[columns.Length];
        for (int t = 0; t < columns.Length; t++)
        {
            ordinals[t] = IndexOf(source.ColumnNames, columns[t]);
            if (ordinals[t] < 0)
            {
                return ([], 0, 0);
            }
        }

        if (IndexOf(source.ColumnNames, target) < 0)
        {
            return ([], 0, 0);
        }

        // A column is numeric when at least as many of its values are numbers as are not (the cell
        // path's rule, ResolvedFactor): a stray word then stops the read with its line and column.
        var numbers = new int[columns.Length];
        var words = new int[columns.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var key = new System.Text.StringBuilder();
        int rows = 0;
        while (rows < SampleRows && source.Read())
        {
            rows++;
            key.Clear();
            for (int t = 0; t < columns.Length; t++)
            {
                ReadOnlySpan<char> field = source.GetField(ordinals[t]);
                key.Append(field).Append('\u001f');
                if (!Keel.Compression.MissingValues.IsMissing(field))
                {
                    if (DecimalParser.TryParse(field, out double v) && double.IsFinite(v))
                    {
                        numbers[t]++;
                    }
                    else
                    {
                        words[t]++;
                    }
                }
            }

            seen.Add(key.ToString());
        }

        bool[] numeric = numbers.Select((count, t) => count > 0 && count >= words[t]).ToArray();
        return (numeric, rows == 0 ? 0 : seen.Count / (double)rows, rows);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
