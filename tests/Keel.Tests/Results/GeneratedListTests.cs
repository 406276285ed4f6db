using Keel.Results;

namespace Keel.Tests.Results;

/// <summary>
/// GeneratedList lays parts end to end, each made on reading. The reference is the plain
/// concatenation of the same parts into one List: indexing and enumeration must give the same items
/// in the same order for any arrangement of empty and non-empty parts (an empty part at the start, in
/// the middle, at the end, several in a row), and an index outside the list must throw.
/// </summary>
public class GeneratedListTests
{
    public static TheoryData<int[]> Arrangements => new()
    {
        new[] { 3 },
        new[] { 0 },
        new[] { 0, 4 },
        new[] { 4, 0 },
        new[] { 2, 0, 0, 5, 0, 1 },
        new[] { 1, 1, 1, 1 },
        new[] { 0, 0, 0 },
        new[] { 7, 0, 3, 0, 0, 9, 0 },
    };

    [Theory]
    [MemberData(nameof(Arrangements))]
    public void Items_EqualTheConcatenatedParts_ByIndexAndInOrder(int[] counts)
    {
        var parts = new List<(int Count, Func<int, string> Item)>();
        var reference = new List<string>();
        for (int k = 0; k < counts.Length; k++)
        {
            int part = k;
            if (k % 2 == 0)
            {
                // A part read through from a list.
                var items = Enumerable.Range(0, counts[k]).Select(i => $"list {part}.{i}").ToList();
                parts.Add(GeneratedList<string>.Part(items));
                reference.AddRange(items);
            }
            else
            {
                // A part made on reading.
                parts.Add((counts[k], i => $"made {part}.{i}"));
                reference.AddRange(Enumerable.Range(0, counts[k]).Select(i => $"made {part}.{i}"));
            }
        }

        var list = new GeneratedList<string>(parts);

        Assert.Equal(reference.Count, list.Count);
        Assert.Equal(reference, list.ToList());
        Assert.Equal(reference, Enumerable.Range(0, list.Count).Select(i => list[i]).ToList());
        Assert.Throws<ArgumentOutOfRangeException>(() => list[list.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1]);
    }

    [Fact]
    public void ItemsReadFromManyThreads_AreTheSequentialItems()
    {
        // The JSON writer reads blocks of coefficients on several threads.
        var list = new GeneratedList<string>([(50_000, i => $"level {i}"), (3, i => $"tail {i}")]);
        var read = new string[list.Count];
        Parallel.For(0, list.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => read[i] = list[i]);
        Assert.Equal(list.ToArray(), read);
    }
}
