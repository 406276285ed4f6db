using System.Text;

namespace Keel.Data;

/// <summary>Values quoted in one-line messages: clipped, with line breaks and control characters made visible.</summary>
internal static class MessageText
{
    private const int MaxLength = 40;

    public static string Quote(ReadOnlySpan<char> value)
    {
        var text = new StringBuilder(Math.Min(value.Length, MaxLength) + 8);
        foreach (char c in value.Length > MaxLength ? value[..(MaxLength - 3)] : value)
        {
            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return value.Length > MaxLength ? text.Append("...").ToString() : text.ToString();
    }
}
