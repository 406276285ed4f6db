// CellsFileWriter: a CellTable as a cells file (CSV or Parquet), one row per cell in canonical order.
//
// Columns: the key columns by their own names (numbers as shortest round-trip text in CSV, as DOUBLE
//   in Parquet; text as read), keel_n, keel_sum_w, keel_sum_wy, keel_sum_wy2 (each exact sum rounded
//   once), then keel_sum_w_exact, keel_sum_wy_exact, keel_sum_wy2_exact (the exact sums, lossless);
//   then, when the pass kept them, keel_sum_w_exp_offset (an offset's Σw·e^offset) and
//   keel_sum_wy_log_y (Σw·y·log y, keel compress --family poisson), each with its _exact twin.
// Invariant: the same CellTable always gives the same bytes (canonical order, no timestamps).
using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace Keel.Compression;

/// <summary>Writes cells files.</summary>
internal static class CellsFileWriter
{
    private const int RowGroupSize = 1 << 20;

    /// <summary>Writes the cells file atomically (<see cref="AtomicFile"/>): complete or not at all.</summary>
    public static void Write(CellTable cells, string path, CancellationToken cancel = default)
    {
        foreach (KeyColumn key in cells.KeyColumns)
        {
            if (key.Name.StartsWith("keel_", StringComparison.Ordinal))
            {
                throw new KeelInputException($"column '{key.Name}': names starting with keel_ are reserved for the cell statistics; rename the column");
            }
        }

        bool parquet = CellsFileColumns.IsParquet(path);
        AtomicFile.Write(
            path,
            "--out",
            stream =>
            {
                if (parquet)
                {
                    WriteParquetAsync(cells, stream).GetAwaiter().GetResult();
                }
                else
                {
                    WriteCsv(cells, stream);
                }
            },
            cancel);
    }

    private static IEnumerable<string> Header(CellTable cells) =>
        cells.KeyColumns.Select(k => k.Name).Concat(SqlCellsQuery.StatisticColumns).Concat(CellsFileColumns.ExactColumns)
            .Concat(Optional(cells).SelectMany(o => new[] { o.Name, o.Name + "_exact" }));

    // The optional statistics this table holds, in the order CellsFileColumns.Optional lists them.
    private static List<(string Name, ExactSum[] Sums)> Optional(CellTable cells)
    {
        var present = new List<(string, ExactSum[])>();
        if (cells.SumWExpOffset is { } offset)
        {
            present.Add((CellsFileColumns.SumWExpOffset, offset));
        }

        if (cells.SumWYLogY is { } yLogY)
        {
            present.Add((CellsFileColumns.SumWYLogY, yLogY));
        }

        return present;
    }

    private static void WriteCsv(CellTable cells, Stream stream)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        writer.WriteLine(string.Join(',', Header(cells).Select(Escape)));
        var optional = Optional(cells);
        var line = new StringBuilder();
        for (int c = 0; c < cells.CellCount; c++)
        {
            line.Clear();
            for (int j = 0; j < cells.KeyColumns.Length; j++)
            {
                line.Append(Escape(cells.KeyColumns[j].Labels[cells.Code(c, j)])).Append(',');
            }

            line.Append(cells.RowCount[c].ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(R(cells.SumW[c].ToDouble())).Append(',')
                .Append(R(cells.SumWy[c].ToDouble())).Append(',')
                .Append(R(cells.SumWy2[c].ToDouble())).Append(',')
                .Append(ExactSumText.Format(cells.SumW[c])).Append(',')
                .Append(ExactSumText.Format(cells.SumWy[c])).Append(',')
                .Append(ExactSumText.Format(cells.SumWy2[c]));
            foreach ((_, ExactSum[] sums) in optional)
            {
                line.Append(',').Append(R(sums[c].ToDouble())).Append(',').Append(ExactSumText.Format(sums[c]));
            }

            writer.WriteLine(line);
        }
    }

    private static async Task WriteParquetAsync(CellTable cells, Stream file)
    {
        var fields = new List<DataField>();
        foreach (KeyColumn key in cells.KeyColumns)
        {
            fields.Add(key.IsNumeric ? new DataField<double>(key.Name) : new DataField<string>(key.Name));
        }

        fields.Add(new DataField<long>("keel_n"));
        fields.Add(new DataField<double>("keel_sum_w"));
        fields.Add(new DataField<double>("keel_sum_wy"));
        fields.Add(new DataField<double>("keel_sum_wy2"));
        foreach (string name in CellsFileColumns.ExactColumns)
        {
            fields.Add(new DataField<string>(name));
        }

        var optional = Optional(cells);
        foreach ((string name, _) in optional)
        {
            fields.Add(new DataField<double>(name));
            fields.Add(new DataField<string>(name + "_exact"));
        }

        var schema = new ParquetSchema(fields);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, file).ConfigureAwait(false);
        int width = cells.KeyColumns.Length;
        for (int start = 0; start < cells.CellCount || start == 0; start += RowGroupSize)
        {
            int count = Math.Min(RowGroupSize, cells.CellCount - start);
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            for (int j = 0; j < width; j++)
            {
                KeyColumn key = cells.KeyColumns[j];
                if (key.IsNumeric)
                {
                    double[] values = new double[count];
                    for (int i = 0; i < count; i++)
                    {
                        values[i] = key.Values[cells.Code(start + i, j)];
                    }

                    await group.WriteAsync<double>(fields[j], values.AsMemory()).ConfigureAwait(false);
                }
                else
                {
                    string[] values = new string[count];
                    for (int i = 0; i < count; i++)
                    {
                        values[i] = key.Labels[cells.Code(start + i, j)];
                    }

                    await group.WriteAsync(fields[j], values).ConfigureAwait(false);
                }
            }

            await group.WriteAsync<long>(fields[width], cells.RowCount.AsMemory(start, count)).ConfigureAwait(false);
            ExactSum[][] sums = [cells.SumW, cells.SumWy, cells.SumWy2];
            for (int s = 0; s < 3; s++)
            {
                double[] values = new double[count];
                for (int i = 0; i < count; i++)
                {
                    values[i] = sums[s][start + i].ToDouble();
                }

                await group.WriteAsync<double>(fields[width + 1 + s], values.AsMemory()).ConfigureAwait(false);
            }

            for (int s = 0; s < 3; s++)
            {
                string[] values = new string[count];
                for (int i = 0; i < count; i++)
                {
                    values[i] = ExactSumText.Format(sums[s][start + i]);
                }

                await group.WriteAsync(fields[width + 4 + s], values).ConfigureAwait(false);
            }

            for (int s = 0; s < optional.Count; s++)
            {
                ExactSum[] sums2 = optional[s].Sums;
                double[] rounded = new double[count];
                string[] exactText = new string[count];
                for (int i = 0; i < count; i++)
                {
                    rounded[i] = sums2[start + i].ToDouble();
                    exactText[i] = ExactSumText.Format(sums2[start + i]);
                }

                await group.WriteAsync<double>(fields[width + 7 + (2 * s)], rounded.AsMemory()).ConfigureAwait(false);
                await group.WriteAsync(fields[width + 8 + (2 * s)], exactText).ConfigureAwait(false);
            }

            group.CompleteValidate();
            if (cells.CellCount == 0)
            {
                break;
            }
        }
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // RFC 4180: quote a field holding a comma, quote, CR or LF, or edge spaces; double inner quotes.
    private static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (field.Length > 0 && (field[0] == ' ' || field[^1] == ' '))
            ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
            : field;
}
