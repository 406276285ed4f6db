namespace Keel;

/// <summary>
/// Bad usage or bad input: the message is one line naming the file, row and column where there
/// is one, what was expected, and how to fix it. The command line turns it into exit code 2.
/// Expected numerical outcomes (aliasing, non-convergence) are never thrown; they go into the
/// result with a warning code.
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
}
