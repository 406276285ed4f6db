using System.Collections;
using Keel.Data;

namespace Keel;

/// <summary>
/// Columns already in memory, to fit without a file. Text columns are categorical and numeric columns
/// continuous, exactly as in a CSV file (a text column whose values all read as numbers is numeric;
/// use <c>C(column)</c> in the formula to make a numeric column categorical). A <see langword="null"/> text
/// value or a NaN is a missing value.
/// </summary>
/// <example>
/// <code>
/// var data = new DataColumns
/// {
///     { "region", regions },     // string[]
///     { "month", months },       // int[]
///     { "revenue", revenue },    // double[]
/// };
/// RegressionResult result = KeelRegression.Fit(data, "log(revenue) ~ region + C(month)");
/// </code>
/// </example>
public sealed class DataColumns : IEnumerable<string>
{
    private readonly List<(string Name, InMemoryColumn Column)> _columns = [];

    /// <summary>Number of rows (every column has this length); 0 when there are no columns.</summary>
    public int RowCount => _columns.Count == 0 ? 0 : _columns[0].Column.Count;

    /// <summary>Adds a text column.</summary>
    /// <param name="name">Column name, as the formula refers to it.</param>
    /// <param name="values">One value per row; <see langword="null"/> or empty is missing.</param>
    /// <exception cref="ArgumentException">The name is taken or the length differs from the other columns.</exception>
    public void Add(string name, IReadOnlyList<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        AddColumn(name, InMemoryColumn.Text(values));
    }

    /// <summary>Adds a numeric column.</summary>
    /// <param name="name">Column name, as the formula refers to it.</param>
    /// <param name="values">One value per row; NaN is missing.</param>
    /// <exception cref="ArgumentException">The name is taken or the length differs from the other columns.</exception>
    public void Add(string name, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        AddColumn(name, InMemoryColumn.Numbers(values));
    }

    /// <summary>Adds an integer column (numeric; wrap it in <c>C()</c> in the formula to treat codes as categories).</summary>
    /// <param name="name">Column name, as the formula refers to it.</param>
    /// <param name="values">One value per row.</param>
    /// <exception cref="ArgumentException">The name is taken or the length differs from the other columns.</exception>
    public void Add(string name, IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        AddColumn(name, InMemoryColumn.Integers(values));
    }

    /// <summary>The column names in the order they were added.</summary>
    /// <returns>An enumerator over the names.</returns>
    public IEnumerator<string> GetEnumerator() => _columns.Select(c => c.Name).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal InMemorySource Open() => new("in-memory columns", _columns);

    private void AddColumn(string name, InMemoryColumn column)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        int rows = column.Count;
        if (_columns.Any(c => string.Equals(c.Name, name, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"column '{name}' was added twice", nameof(name));
        }

        if (_columns.Count > 0 && rows != RowCount)
        {
            throw new ArgumentException($"column '{name}' has {rows} rows; the columns before it have {RowCount}", nameof(name));
        }

        _columns.Add((name, column));
    }
}
