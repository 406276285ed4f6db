namespace Keel.Data;

/// <summary>
/// Turns the DATA arguments (paths, folders, globs) into an ordered list of files, and opens each
/// as a tabular source. Order is sorted by path so the list never depends on the file system's
/// enumeration order (the result would not anyway: the cell sums are exact).
/// </summary>
internal static class InputResolver
{
    /// <summary>The DATA argument that reads CSV from standard input, as Unix tools do.</summary>
    public const string StandardInput = "-";

    /// <summary>How messages name standard input.</summary>
    public const string StandardInputName = "standard input";

    private static readonly string[] CsvEndings = [".csv", ".csv.gz", ".txt", ".tsv", ".parquet"];

    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> inputs)
    {
        if (inputs.Count == 0)
        {
            throw new KeelInputException("no data given: name at least one CSV file");
        }

        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (input.StartsWith("duckdb:", StringComparison.Ordinal) || input.StartsWith("postgresql://", StringComparison.Ordinal) || input.StartsWith("postgres://", StringComparison.Ordinal))
            {
                throw KeelInputException.InFile(input, "a database source is read with --table or --query, alone (not with files or --cells)");
            }

            if (input == StandardInput)
            {
                files.Add(files.Contains(StandardInput) ? throw KeelInputException.InFile(StandardInput, "standard input can be read only once; name it once") : input);
                continue;
            }

            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input).Where(IsSupported).Order(StringComparer.Ordinal));
                continue;
            }

            if (input.Contains('*', StringComparison.Ordinal) || input.Contains('?', StringComparison.Ordinal))
            {
                string dir = Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
                var matched = Directory.Exists(dir)
                    ? Directory.EnumerateFiles(dir, Path.GetFileName(input)).Order(StringComparer.Ordinal).ToList()
                    : [];
                if (matched.Count == 0)
                {
                    throw KeelInputException.InFile(input, "no file matches");
                }

                files.AddRange(matched);
                continue;
            }

            if (!File.Exists(input))
            {
                throw KeelInputException.InFile(input, "no such file");
            }

            files.Add(input);
        }

        if (files.Count == 0)
        {
            throw KeelInputException.InFile(string.Join(' ', inputs), "no CSV files found");
        }

        return files;
    }

    public static ITabularSource Open(string path)
    {
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            return ParquetSource.Open(path);
        }

        return CsvSource.Open(path);
    }

    private static bool IsSupported(string path) => CsvEndings.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
