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
    private readonly Stream _file;
    private readonly StreamReader _text;
    private readonly CsvDataReader _csv;
    private readonly string[] _columns;
    private readonly long _lineOfRowZero;

    // The file's length when opened (-1 for a stream without one): reaching the end before it
    // means the file shrank while being read, which would otherwise read as a shorter valid file.
    private readonly long _lengthAtOpen;

    private CsvSource(string path, Stream file, StreamReader text, CsvDataReader csv, string[]? header = null, long lineOfRowZero = 1)
    {
        Name = path;
        _file = file;
        _text = text;
        _csv = csv;
        _lineOfRowZero = lineOfRowZero;
        _lengthAtOpen = file is FileStream { CanSeek: true } f ? f.Length : -1;
        if (header is not null)
        {
            _columns = header;
            return;
        }

        _columns = new string[csv.FieldCount];
        for (int i = 0; i < _columns.Length; i++)
        {
            _columns[i] = csv.GetName(i);
        }
    }

    public string Name { get; }

    public IReadOnlyList<string> ColumnNames => _columns;

    public int FieldCount => _csv.RowFieldCount;

    // Sylvan's RowNumber counts data rows from 1; the header is line 1 of the file (a chunk
    // starts further down: its row 1 is record _lineOfRowZero + 1).
    public long Line => _csv.RowNumber + _lineOfRowZero;

    // Standard input has no length: progress then shows rows without a share of the file.
    public (long Done, long Total) Position => _file.CanSeek ? (_file.Position, _file.Length) : (0, 0);

    /// <summary>
    /// Opens a CSV file (gzip-compressed when the name ends in .gz), or standard input for
    /// <see cref="InputResolver.StandardInput"/>, and reads its header.
    /// </summary>
    public static CsvSource Open(string path)
    {
        if (path == InputResolver.StandardInput)
        {
            Stream input = Console.OpenStandardInput(1 << 16);
            return Read(InputResolver.StandardInputName, input, input);
        }

        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw KeelInputException.InFile(path, $"cannot open the file ({e.Message})", e);
        }

        if (file.Length == 0)
        {
            file.Dispose();
            throw KeelInputException.InFile(path, "the file is empty; expected a header row naming the columns");
        }

        Stream bytes;
        try
        {
            bytes = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? GzipInput.Open(path, file)
                : file;
        }
        catch (InvalidDataException e)
        {
            file.Dispose();
            throw KeelInputException.InFile(path, $"not a readable CSV file ({FirstLine(e.Message)})", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return Read(path, file, bytes);
    }

    // The header of a CSV whose bytes come from bytes (file itself, or its decompression).
    private static CsvSource Read(string name, Stream file, Stream bytes)
    {
        try
        {
            var text = new StreamReader(bytes, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
            var csv = CsvDataReader.Create(text, ReaderOptions(hasHeaders: true));
            var source = new CsvSource(name, file, text, csv);
            source.CheckHeader();
            return source;
        }
        catch (CsvMissingHeadersException e)
        {
            // Only an empty stream has no header row (an empty file is caught before, by its length).
            file.Dispose();
            throw KeelInputException.InFile(name, "empty; expected a header row naming the columns", e);
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or CsvFormatException)
        {
            file.Dispose();
            throw KeelInputException.InFile(name, $"not a readable CSV file ({FirstLine(e.Message)})", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A source over whole records bytes[offset, offset + length) of a file whose header record is
    /// <paramref name="headerLine"/> (its bytes, terminator included, no byte order mark), lines counted
    /// from <paramref name="firstLine"/>. The library reads the header bytes first, so it takes the
    /// file's line-end convention from them, as a read of the whole file does (a chunk's own first
    /// record could suggest another: a lone CR in it would read as a record end).
    /// </summary>
    internal static CsvSource OpenRecords(string name, byte[] headerLine, byte[] bytes, int offset, int length, string[] header, long firstLine)
    {
        byte[] joined = new byte[headerLine.Length + length];
        headerLine.CopyTo(joined, 0);
        Array.Copy(bytes, offset, joined, headerLine.Length, length);
        var memory = new MemoryStream(joined, writable: false);
        var text = new StreamReader(memory, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        try
        {
            var csv = CsvDataReader.Create(text, ReaderOptions(hasHeaders: true));
            return new CsvSource(name, memory, text, csv, header, firstLine - 1);
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or CsvFormatException)
        {
            text.Dispose();
            throw KeelInputException.At(name, firstLine, null, $"not readable as CSV ({FirstLine(e.Message)})", e);
        }
    }

    /// <summary>The Sylvan options of every Keel CSV read.</summary>
    internal static CsvDataReaderOptions ReaderOptions(bool hasHeaders) => new()
    {
        HasHeaders = hasHeaders,
        Delimiter = ',',
        BufferSize = 1 << 16,
        // Long quoted fields may span buffers; allow up to 16 MiB for one record.
        MaxBufferSize = 1 << 24,
    };

    public bool Read()
    {
        try
        {
            if (_csv.Read())
            {
                return true;
            }

            if (_lengthAtOpen >= 0 && _file.Position < _lengthAtOpen)
            {
                throw KeelInputException.InFile(Name, $"the file ended at byte {_file.Position:N0} of {_lengthAtOpen:N0} (it changed while being read?)");
            }

            return false;
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or CsvFormatException)
        {
            throw KeelInputException.At(Name, Line, null, $"not readable as CSV ({FirstLine(e.Message)})", e);
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
            throw KeelInputException.InFile(Name, "the file is empty; expected a header row naming the columns");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _columns.Length; i++)
        {
            if (_columns[i].Contains('\0', StringComparison.Ordinal))
            {
                throw KeelInputException.InFile(Name, "the header contains NUL bytes; this does not look like a text CSV file");
            }

            if (!seen.TryAdd(_columns[i], i))
            {
                throw KeelInputException.At(Name, 1, null, $"column name '{MessageText.Quote(_columns[i])}' appears twice (columns {seen[_columns[i]] + 1} and {i + 1}); rename one");
            }
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
