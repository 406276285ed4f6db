using System.Text;
using System.Text.Json.Nodes;

namespace Keel.Tests.TestSupport;

/// <summary>What the reproducibility tests share: the result JSON compared bit for bit, and generated rows shuffled or written as CSV.</summary>
internal static class ReproducibleRuns
{
    /// <summary>The result JSON without the echoed thread count, the only field allowed to differ between runs.</summary>
    public static string WithoutThreads(string json)
    {
        JsonNode root = JsonNode.Parse(json)!;
        root["solver"]!.AsObject().Remove("threads");
        return root.ToJsonString();
    }

    /// <summary>Fisher–Yates with a seeded Random: the same order for the same seed.</summary>
    public static void Shuffle(List<string> lines, int seed)
    {
        var shuffle = new Random(seed);
        for (int i = lines.Count - 1; i > 0; i--)
        {
            int j = shuffle.Next(i + 1);
            (lines[i], lines[j]) = (lines[j], lines[i]);
        }
    }

    /// <summary>A header line and the lines, each ended by a newline.</summary>
    public static string Csv(string header, List<string> lines)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
