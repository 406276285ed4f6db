using System.Globalization;
using Keel.Data;

namespace Keel;

/// <summary>
/// Bad usage or bad input: the message is one line naming the file, row and column where there
/// is one, what was expected, and how to fix it. The command line turns it into exit code 2.
/// Expected numerical outcomes (aliasing, non-convergence) are never thrown; they go into the
/// result with a warning code. Where the input has a place, it is also given as properties
/// (<see cref="File"/>, <see cref="Line"/>, <see cref="Column"/> in a file; <see cref="FormulaColumn"/>
/// in the formula; <see cref="Option"/> for a command-line option or its library setting), as
/// Sylvan's CsvFormatException does; inside Keel the exception is made by the named factories (At,
/// InFile, InRowGroup, InColumn, ForOption, and the formula's FormulaErrors), which write the place
/// into the message and the properties alike.
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

    /// <summary>
    /// The line of the file (the header is line 1), when the error is in one record; for a value
    /// judged after the read (a column's log of 0, say), the line where that value was first seen.
    /// </summary>
    public long? Line { get; init; }

    /// <summary>The column (as the header names it), when the error is in one field.</summary>
    public string? Column { get; init; }

    /// <summary>The character of the formula the error is at (1-based, UTF-16 code units as editors count), when it is a formula error.</summary>
    public int? FormulaColumn { get; init; }

    /// <summary>
    /// The command-line option the error is about (e.g. "--cluster"; a library caller set the
    /// matching <c>FitOptions</c> property), when it is a bad option or a combination Keel does not fit.
    /// </summary>
    public string? Option { get; init; }

    /// <summary>An error about a command-line option (or its library setting): the message starts with the option as given.</summary>
    internal static KeelInputException ForOption(string option, string message) => new(message) { Option = option };

    /// <summary>
    /// An error at a place in a file: the message is "FILE, line N, column 'C': WHAT" (the parts that
    /// are known), the column quoted with control characters made visible.
    /// </summary>
    internal static KeelInputException At(string file, long? line, string? column, string what, Exception? inner = null) =>
        Create(file + LineText(line) + ColumnText(column) + ": " + what, file, line, column, inner);

    /// <summary>An error about a whole file or source (or a command-line input naming one): "FILE: WHAT".</summary>
    internal static KeelInputException InFile(string file, string what, Exception? inner = null) =>
        Create($"{file}: {what}", file, line: null, column: null, inner);

    /// <summary>An error in one column chunk of a Parquet file: "FILE, row group G, column 'C': WHAT".</summary>
    internal static KeelInputException InRowGroup(string file, int rowGroup, string column, string what, Exception? inner = null) =>
        Create(string.Create(CultureInfo.InvariantCulture, $"{file}, row group {rowGroup}") + ColumnText(column) + ": " + what, file, line: null, column, inner);

    /// <summary>
    /// An error in a value of a column found after the read, where the value's first line is known
    /// but not its file (the cells of several files are merged): "column 'C', line N: WHAT".
    /// </summary>
    internal static KeelInputException InColumn(string column, long? line, string what) =>
        Create($"column '{MessageText.Quote(column)}'" + LineText(line) + ": " + what, file: null, line, column, inner: null);

    private static string LineText(long? line) =>
        line is { } n ? string.Create(CultureInfo.InvariantCulture, $", line {n}") : string.Empty;

    private static string ColumnText(string? column) =>
        column is null ? string.Empty : $", column '{MessageText.Quote(column)}'";

    private static KeelInputException Create(string message, string? file, long? line, string? column, Exception? inner) =>
        inner is null
            ? new KeelInputException(message) { File = file, Line = line, Column = column }
            : new KeelInputException(message, inner) { File = file, Line = line, Column = column };
}
