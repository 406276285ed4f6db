using System.Globalization;

namespace Keel.Compression;

/// <summary>
/// The distinct values one regressor column took, in canonical order: ascending by value when
/// every value is a finite number (then "1", "1.0" and "-0" are the values 1, 1 and 0), otherwise
/// ordinal string order. The order depends only on the set of values, never on the order rows arrived.
/// </summary>
internal sealed class KeyColumn
{
    public KeyColumn(string name, bool isNumeric, string[] labels, double[] values, long[] firstLine)
    {
        Name = name;
        IsNumeric = isNumeric;
        Labels = labels;
        Values = values;
        FirstLine = firstLine;
    }

    /// <summary>The column's name in the data.</summary>
    public string Name { get; }

    /// <summary>True when every value parsed as a finite number.</summary>
    public bool IsNumeric { get; }

    /// <summary>Label of each code: the text as read for text columns, the shortest round-trip text of the number for numeric ones.</summary>
    public string[] Labels { get; }

    /// <summary>The number of each code (empty for a text column).</summary>
    public double[] Values { get; }

    /// <summary>The first line each value was seen on (for messages); the minimum over merged spellings.</summary>
    public long[] FirstLine { get; }

    /// <summary>Number of distinct values.</summary>
    public int Count => Labels.Length;

    /// <summary>The label Keel gives a number: shortest round-trip text, invariant culture.</summary>
    public static string NumberLabel(double value) => (value == 0 ? 0.0 : value).ToString("R", CultureInfo.InvariantCulture);
}
