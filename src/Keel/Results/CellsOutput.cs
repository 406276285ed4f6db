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
    public static void Write(string path, Design design, LeastSquaresSolution solution, double[] fitted, double? sigma)
    {
        CellTable cells = design.Cells;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        var header = cells.KeyColumns.Select(k => Quote(k.Name)).Concat(["n", "mean", "fitted", "std_error", "estimable"]);
        writer.Write(string.Join(',', header));
        writer.Write('\n');
        var row = new double[design.SolvedCount];
        var line = new StringBuilder();
        for (int c = 0; c < cells.CellCount; c++)
        {
            line.Clear();
            for (int j = 0; j < cells.KeyColumns.Length; j++)
            {
                line.Append(Quote(cells.KeyColumns[j].Labels[cells.Code(c, j)])).Append(',');
            }

            double? se = null;
            if (sigma is { } s && solution.VarianceFactor is { } variance)
            {
                Array.Clear(row);
                design.AddRow(c, row);
                se = s * Math.Sqrt(variance(row));
            }

            line.Append(cells.RowCount[c].ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Number(design.CellMean[c])).Append(',')
                .Append(Number(fitted[c])).Append(',')
                .Append(se is { } v && double.IsFinite(v) ? Number(v) : string.Empty).Append(",true\n");
            writer.Write(line);
        }
    }

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
