using Keel.Model;
using Keel.Solvers;

namespace Keel.Results;

/// <summary>One listed design column as prediction codes it: its term, levels and sub-column.</summary>
/// <param name="Term">Index of the term in the formula; -1 for the intercept.</param>
/// <param name="Levels">The level of each categorical factor of the term, in factor order.</param>
/// <param name="Sub">Which tuple of the term's continuous sub-columns (poly powers) it holds.</param>
/// <param name="Reference">True for a listed reference level (never solved, estimate 0).</param>
internal sealed record ModelDesignColumn(int Term, IReadOnlyList<string> Levels, int Sub, bool Reference);

/// <summary>
/// The part of the result that `keel predict` reads back (written under "model"): the formula, the
/// levels of every key column, how each term is coded, each listed design column (aligned with
/// "coefficients"), the dependencies of the aliased columns, and the covariance of the estimates.
/// All column indexes are positions in "coefficients" (design order, reference levels included).
/// </summary>
internal sealed class ModelSpec
{
    /// <summary>
    /// Largest number of kept columns whose covariance is written: the packed triangle has
    /// r(r+1)/2 numbers (2000 columns: 2 million, about 45 MB of JSON) and costs r³/2 flops.
    /// </summary>
    public const int MaxCovarianceColumns = 2000;

    public required string Formula { get; init; }

    /// <summary>Each key column with whether it is numeric and its canonical labels.</summary>
    public required IReadOnlyList<(string Name, bool Numeric, IReadOnlyList<string> Labels)> Columns { get; init; }

    /// <summary>For each term of the formula, how each factor is coded.</summary>
    public IReadOnlyList<IReadOnlyList<FactorCoding>> Terms { get; init; } = [];

    /// <summary>Every listed design column, aligned with the result's coefficients.</summary>
    public IReadOnlyList<ModelDesignColumn> Design { get; init; } = [];

    /// <summary>For each aliased column, a_j = Σ coefficient·a_column over kept columns.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<(int Column, double Coefficient)>> Dependencies { get; init; } = new Dictionary<int, IReadOnlyList<(int, double)>>();

    /// <summary>False when aliasing was not decided exactly (then estimability is not known either).</summary>
    public bool AliasingChecked { get; init; } = true;

    /// <summary>Columns (ascending) and the packed lower triangle (row by row) of σ²(X'WX)⁻¹ over the kept columns, or null.</summary>
    public (int[] Columns, double[] PackedLower)? Covariance { get; init; }

    /// <summary>Why the covariance is missing, when it is.</summary>
    public string? CovarianceNote { get; init; }

    /// <summary>The model part of a fit's result.</summary>
    public static ModelSpec From(Design design, LeastSquaresSolution? solution, double? sigma)
    {
        var dependencies = new Dictionary<int, IReadOnlyList<(int, double)>>();
        if (solution is not null)
        {
            foreach ((int j, IReadOnlyList<(int Column, double Coefficient)> on) in solution.Dependencies)
            {
                dependencies[design.ColumnOfSolved[j]] = on.Select(t => (design.ColumnOfSolved[t.Column], t.Coefficient)).ToList();
            }
        }

        (int[], double[])? covariance = null;
        string? note = null;
        int kept = solution?.Rank ?? 0;
        if (solution is null)
        {
            note = "no solve (diagnosis only)";
        }
        else if (sigma is not { } s)
        {
            note = "no residual degrees of freedom: sigma does not exist";
        }
        else if (solution.KeptCovariance is null)
        {
            note = "the solver does not provide the covariance matrix (iterative path)";
        }
        else if (kept > MaxCovarianceColumns)
        {
            note = $"{kept} kept columns exceed the limit of {MaxCovarianceColumns} for writing the covariance";
        }
        else
        {
            (int[] columns, double[] matrix) = solution.KeptCovariance();
            int r = columns.Length;
            var packed = new double[r * (r + 1) / 2];
            int at = 0;
            double s2 = s * s;
            for (int a = 0; a < r; a++)
            {
                for (int b = 0; b <= a; b++)
                {
                    packed[at++] = s2 * matrix[(a * r) + b];
                }
            }

            covariance = (columns.Select(j => design.ColumnOfSolved[j]).ToArray(), packed);
        }

        return new ModelSpec
        {
            Formula = design.Formula.Text,
            Columns = design.Cells.KeyColumns.Select(k => (k.Name, k.IsNumeric, (IReadOnlyList<string>)k.Labels)).ToList(),
            Terms = design.TermCodings,
            Design = design.Columns.Select(c => new ModelDesignColumn(c.TermIndex, c.Levels, c.Sub, c.IsReference)).ToList(),
            Dependencies = dependencies,
            AliasingChecked = solution?.AliasingChecked ?? false,
            Covariance = covariance,
            CovarianceNote = note,
        };
    }
}
