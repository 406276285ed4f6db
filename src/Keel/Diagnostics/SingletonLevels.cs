using Keel.Compression;
using Keel.Model;

namespace Keel.Diagnostics;

/// <summary>Categorical levels seen in exactly one row: their coefficients rest on one observation.</summary>
internal static class SingletonLevels
{
    public static int Count(Design design, out string? example)
    {
        CellTable cells = design.Cells;
        example = null;
        int total = 0;
        foreach (int key in CategoricalKeyColumns(design))
        {
            var rowsByLevel = new long[cells.KeyColumns[key].Count];
            for (int c = 0; c < cells.CellCount; c++)
            {
                rowsByLevel[cells.Code(c, key)] += cells.RowCount[c];
            }

            for (int level = 0; level < rowsByLevel.Length; level++)
            {
                if (rowsByLevel[level] == 1)
                {
                    total++;
                    example ??= $"{cells.KeyColumns[key].Name} = {cells.KeyColumns[key].Labels[level]}";
                }
            }
        }

        return total;
    }

    /// <summary>Key columns that enter the model as categorical factors, each once.</summary>
    public static IEnumerable<int> CategoricalKeyColumns(Design design)
    {
        KeyColumn[] keys = design.Cells.KeyColumns;
        return design.Formula.Terms
            .SelectMany(t => t.Factors)
            .Where(f => f is CategoricalFactor || (f is VariableFactor && !keys.First(k => k.Name == f.Column).IsNumeric))
            .Select(f => Array.FindIndex(keys, k => k.Name == f.Column))
            .Distinct();
    }
}
