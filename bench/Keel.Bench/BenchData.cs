using System.Globalization;
using System.Text;
using Keel.Compression;
using Keel.Data;
using Keel.Model;

namespace Keel.Bench;

/// <summary>Generated inputs shared by the benchmarks: a CSV of one-hot-style factors, its cells and design.</summary>
internal static class BenchData
{
    /// <summary>Writes rows of four integer-coded factors (skewed levels) and a target y; returns the path.</summary>
    public static string WriteCsv(int rows, int[] cardinalities, int seed)
    {
        string path = Path.Combine(Path.GetTempPath(), $"keel-bench-{rows}-{string.Join('x', cardinalities)}-{seed}.csv");
        if (File.Exists(path))
        {
            return path;
        }

        var random = new Random(seed);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write(string.Join(',', cardinalities.Select((_, k) => $"c{k}")));
        writer.Write(",y\n");
        var line = new StringBuilder();
        for (int i = 0; i < rows; i++)
        {
            line.Clear();
            double y = 4;
            for (int k = 0; k < cardinalities.Length; k++)
            {
                int code = (int)(cardinalities[k] * Math.Pow(random.NextDouble(), 2));
                y += 0.001 * (code % 97);
                line.Append(code).Append(',');
            }

            line.Append((y + (0.3 * random.NextDouble())).ToString("0.000000", CultureInfo.InvariantCulture)).Append('\n');
            writer.Write(line);
        }

        return path;
    }

    public static string FormulaFor(int factors) => "y ~ " + string.Join(" + ", Enumerable.Range(0, factors).Select(k => $"C(c{k})"));

    public static CellTable Cells(string path, Formula formula)
    {
        var pass = new RowPass(DesignBuilder.PlanFor(formula, null, false));
        using CsvSource source = CsvSource.Open(path);
        pass.Add(source);
        return pass.Finish();
    }

    public static Design Design(int rows, int[] cardinalities, int seed)
    {
        string path = WriteCsv(rows, cardinalities, seed);
        Formula formula = FormulaParser.Parse(FormulaFor(cardinalities.Length));
        return DesignBuilder.Build(formula, Cells(path, formula));
    }
}
