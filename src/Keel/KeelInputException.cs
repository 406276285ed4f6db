namespace Keel;

/// <summary>
/// Bad usage or bad input: the message is one line naming the file, row and column where there
/// is one, what was expected, and how to fix it. The command line turns it into exit code 2.
/// Expected numerical outcomes (aliasing, non-convergence) are never thrown; they go into the
/// result with a warning code. Where the input has a place, it is also given as properties
/// (<see cref="File"/>, <see cref="Line"/>, <see cref="Column"/>), as Sylvan's CsvFormatException does.
/// </summary>
public sealed class KeelInputException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public KeelInputException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and the error that caused it.</summary>
    public KeelInputException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (prefer the overloads with one).</summary>
    public KeelInputException() : base("bad input")
    {
    }

    /// <summary>The file (or source) the bad input is in, when the error has a place.</summary>
    public string? File { get; init; }

    /// <summary>The line of the file (the header is line 1), when the error is in one record.</summary>
    public long? Line { get; init; }

    /// <summary>The column (as the header names it), when the error is in one field.</summary>
    public string? Column { get; init; }

    /// <summary>
    /// An error at a place: the message is "FILE, line N, column 'C': WHAT" (the parts that are known),
    /// the column quoted with control characters made visible.
    /// </summary>
    internal static KeelInputException At(string file, long? line, string? column, string what, Exception? inner = null)
    {
        string place = file
            + (line is { } n ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", line {n}") : string.Empty)
            + (column is null ? string.Empty : $", column '{Keel.Data.MessageText.Quote(column)}'");
        string message = $"{place}: {what}";
        return inner is null
            ? new KeelInputException(message) { File = file, Line = line, Column = column }
            : new KeelInputException(message, inner) { File = file, Line = line, Column = column };
    }
}
