using System.IO.Compression;
using System.Text;
using Sylvan.Data.Csv;

namespace Keel.Data;

/// <summary>
/// CSV and CSV.GZ through Sylvan.Data.Csv: header row, RFC 4180 quoting (quoted commas and
/// newlines), UTF-8 with or without BOM, LF or CRLF. Streaming: one buffer, never the whole file.
/// Numbers are parsed later by the caller in the invariant culture, so a comma-decimal locale
/// cannot change a value.
/// </summary>
internal sealed class CsvSource : ITabularSource
{
    private readonly FileStream _file;
    private readonly StreamReader _text;
    private readonly CsvDataReader _csv;
    private readonly string[] _columns;

    private CsvSource(string path, FileStream file, StreamReader text, CsvDataReader csv)
    {
        Name = path;
        _file = file;
        _text = text;
        _csv = csv;
        _columns = new string[csv.FieldCount];
        for (int i = 0; i < _columns.Length; i++)
        {
            _columns[i] = csv.GetName(i);
        }
    }

    public string Name { get; }

    public IReadOnlyList<string> ColumnNames => _columns;

    public int FieldCount => _csv.RowFieldCount;

    // Sylvan's RowNumber counts data rows from 1; the header is line 1 of the file.
    public long Line => _csv.RowNumber + 1;

    public (long Done, long Total) Position => (_file.Position, _file.Length);

    /// <summary>Opens a CSV file (gzip-compressed when the name ends in .gz) and reads its header.</summary>
    public static CsvSource Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeelInputException($"{path}: cannot open the file ({e.Message})", e);
        }

        if (file.Length == 0)
        {
            file.Dispose();
            throw new KeelInputException($"{path}: the file is empty; expected a header row naming the columns");
        }

        try
        {
            Stream bytes = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(file, CompressionMode.Decompress)
                : file;
            var text = new StreamReader(bytes, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            var options = new CsvDataReaderOptions
            {
                HasHeaders = true,
                Delimiter = ',',
                BufferSize = 1 << 16,
                // Long quoted fields may span buffers; allow up to 16 MiB for one record.
                MaxBufferSize = 1 << 24,
            };
            var csv = CsvDataReader.Create(text, options);
            var source = new CsvSource(path, file, text, csv);
            source.CheckHeader();
            return source;
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or CsvFormatException)
        {
            file.Dispose();
            throw new KeelInputException($"{path}: not a readable CSV file ({FirstLine(e.Message)})", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Read()
    {
        try
        {
            return _csv.Read();
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or CsvFormatException)
        {
            throw new KeelInputException($"{Name}, line {Line}: not readable as CSV ({FirstLine(e.Message)})", e);
        }
    }

    public ReadOnlySpan<char> GetField(int ordinal) => _csv.GetFieldSpan(ordinal);

    public void Dispose()
    {
        _csv.Dispose();
        _text.Dispose();
        _file.Dispose();
    }

    private void CheckHeader()
    {
        if (_columns.Length == 0 || (_columns.Length == 1 && _columns[0].Length == 0))
        {
            throw new KeelInputException($"{Name}: the file is empty; expected a header row naming the columns");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _columns.Length; i++)
        {
            if (_columns[i].Contains('\0', StringComparison.Ordinal))
            {
                throw new KeelInputException($"{Name}: the header contains NUL bytes; this does not look like a text CSV file");
            }

            if (!seen.TryAdd(_columns[i], i))
            {
                throw new KeelInputException($"{Name}, line 1: column name '{MessageText.Quote(_columns[i])}' appears twice (columns {seen[_columns[i]] + 1} and {i + 1}); rename one");
            }
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
