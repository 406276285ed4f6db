using System.Globalization;
using Keel.Compression;
using Keel.LinearAlgebra;
using Keel.Model;
using Keel.Results;

namespace Keel.Prediction;

/// <summary>What a new row's categorical value is, relative to the levels seen in fitting.</summary>
internal enum LevelMatch
{
    /// <summary>The level was seen in fitting.</summary>
    Seen,

    /// <summary>The level was never seen in fitting.</summary>
    Unseen,

    /// <summary>The field is missing (empty, NA, NaN, NULL).</summary>
    Missing,
}

/// <summary>The design row of one new row: sparse entries in design order, and whether a term's combination has no column.</summary>
/// <param name="Columns">Design-column indexes (positions in "coefficients"), ascending.</param>
/// <param name="Values">The value of each entry.</param>
/// <param name="UnobservedCombination">
/// A combination of levels of an interaction that never occurred in fitting (and is not at a
/// reference level): its column would be all zeros in the fitted design, so its effect is not
/// identified and the prediction is not estimable.
/// </param>
internal sealed record CodedRow(int[] Columns, double[] Values, bool UnobservedCombination);

/// <summary>
/// Codes new rows into design rows exactly as the fit coded its cells: categorical factors by their
/// level labels (numeric columns by the number's canonical label, so "3.0" is level "3"),
/// treatment-coded combinations at a reference level have no column, continuous values go through
/// the same functions as the fit (<see cref="ResolvedFactor.ContinuousValuesOf"/> and
/// <see cref="TermCoder.CombineContinuous"/>), so a row seen in fitting gets the same bits.
/// </summary>
internal sealed class RowCoder
{
    private const char Separator = '\u001f';
    private readonly ModelSpec _spec;
    private readonly Formula _formula;
    private readonly Dictionary<string, (bool Numeric, HashSet<string> Labels)> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>[] _firstColumnOfCombination;
    private readonly int _interceptColumn = -1;

    public RowCoder(ModelSpec spec, Formula formula)
    {
        _spec = spec;
        _formula = formula;
        if (formula.Terms.Count != spec.Terms.Count)
        {
            throw new KeelInputException($"the result's model has {spec.Terms.Count} terms but its formula \"{spec.Formula}\" has {formula.Terms.Count}; the file is inconsistent");
        }

        foreach ((string name, bool numeric, IReadOnlyList<string> labels) in spec.Columns)
        {
            _keys[name] = (numeric, new HashSet<string>(labels, StringComparer.Ordinal));
        }

        _firstColumnOfCombination = spec.Terms.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        for (int j = 0; j < spec.Design.Count; j++)
        {
            ModelDesignColumn c = spec.Design[j];
            if (c.Term < 0)
            {
                _interceptColumn = j;
            }
            else if (!c.Reference && c.Sub == 0)
            {
                _firstColumnOfCombination[c.Term].TryAdd(string.Join(Separator, c.Levels), j);
            }
        }

        Columns = spec.Terms.SelectMany(t => t.Select(f => f.Column)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The data columns a new row must have (every regressor column of the formula).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The label a field has as a level of <paramref name="column"/>, and whether it was seen in fitting.</summary>
    public (LevelMatch Match, string Label) Level(string column, string field)
    {
        if (MissingValues.IsMissing(field))
        {
            return (LevelMatch.Missing, field);
        }

        (bool numeric, HashSet<string> labels) = _keys[column];
        string label = field;
        if (numeric && double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x))
        {
            label = KeyColumn.NumberLabel(x);
        }

        return (labels.Contains(label) ? LevelMatch.Seen : LevelMatch.Unseen, label);
    }

    /// <summary>
    /// The reference level of <paramref name="column"/> (the level an unseen one becomes under
    /// --unseen reference): that of the first categorical factor on the column.
    /// </summary>
    public string? ReferenceLevel(string column) =>
        _spec.Terms.SelectMany(t => t).FirstOrDefault(f => f.IsCategorical && f.Column == column)?.ReferenceLevel;

    /// <summary>Whether <paramref name="column"/> is used as a categorical factor in some term.</summary>
    public bool IsCategorical(string column) => _spec.Terms.SelectMany(t => t).Any(f => f.IsCategorical && f.Column == column);

    /// <summary>
    /// Codes a row given, for each column, its level label (categorical use) and number (continuous
    /// use; NaN when not a number). Returns null with <paramref name="problem"/> set when a
    /// continuous value is undefined (log of a value &lt;= 0, text where a number is needed).
    /// </summary>
    public CodedRow? Code(IReadOnlyDictionary<string, (string Label, double Number)> row, out string? problem)
    {
        problem = null;
        var columns = new List<int>(8);
        var values = new List<double>(8);
        bool unobserved = false;
        if (_interceptColumn >= 0)
        {
            columns.Add(_interceptColumn);
            values.Add(1.0);
        }

        for (int t = 0; t < _formula.Terms.Count; t++)
        {
            IReadOnlyList<Factor> factors = _formula.Terms[t].Factors;
            IReadOnlyList<FactorCoding> coding = _spec.Terms[t];
            var levels = new List<string>();
            var continuous = new List<DoubleDouble[]>();
            bool atReference = false;
            for (int k = 0; k < factors.Count; k++)
            {
                (string label, double number) = row[coding[k].Column];
                if (coding[k].IsCategorical)
                {
                    levels.Add(label);
                    atReference |= coding[k].Contrast && label == coding[k].ReferenceLevel;
                }
                else if (ResolvedFactor.ContinuousValuesOf(factors[k], number) is { } v && double.IsFinite(number))
                {
                    continuous.Add(v);
                }
                else
                {
                    problem = double.IsNaN(number)
                        ? $"column '{coding[k].Column}': '{label}' is not a number, which {factors[k].Label} needs"
                        : $"column '{coding[k].Column}': {factors[k].Label} is undefined for {label}";
                    return null;
                }
            }

            if (atReference)
            {
                continue;
            }

            if (!_firstColumnOfCombination[t].TryGetValue(string.Join(Separator, levels), out int first))
            {
                unobserved = true;
                continue;
            }

            var combined = new DoubleDouble[Math.Max(1, continuous.Aggregate(1, (n, v) => n * v.Length))];
            TermCoder.CombineContinuous(continuous, combined);
            for (int sub = 0; sub < combined.Length; sub++)
            {
                columns.Add(first + sub);
                values.Add(combined[sub].Hi);
            }
        }

        return new CodedRow([.. columns], [.. values], unobserved);
    }
}
