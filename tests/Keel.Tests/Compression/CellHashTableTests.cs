// CellHashTable against a Dictionary of the same keys: small and large codes (beyond 2^21), growth
// from a tiny table, and keys that differ in one column.
using Keel.Compression;

namespace Keel.Tests.Compression;

public class CellHashTableTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(4, 0)]
    [InlineData(4, 5000)]
    [InlineData(3, 9000)]
    [InlineData(9, 0)]
    public void Cells_are_numbered_in_first_seen_order_like_a_dictionary(int width, int switchAt)
    {
        // switchAt > 0: from that row on, one column gets codes beyond 2^21 (the bound a packed
        // 64-bit key of width 3 would have; the packed slot was tried and measured no faster).
        var rng = new Random(width * 1000 + switchAt);
        var table = new CellHashTable(width, initialCapacity: 4);
        var oracle = new Dictionary<string, int>();
        var seen = new List<int[]>();
        for (int row = 0; row < 20000; row++)
        {
            int[] key;
            if (seen.Count > 0 && rng.Next(3) == 0)
            {
                key = seen[rng.Next(seen.Count)];
            }
            else
            {
                key = new int[width];
                for (int j = 0; j < width; j++)
                {
                    key[j] = rng.Next(40);
                }

                if (switchAt > 0 && row >= switchAt)
                {
                    key[width - 1] = (1 << 21) + rng.Next(40);
                }

                seen.Add(key);
            }

            string name = string.Join(',', key);
            bool isNew = !oracle.ContainsKey(name);
            if (isNew)
            {
                oracle[name] = oracle.Count;
            }

            int cell = table.FindOrAdd(key, out bool added);
            Assert.Equal(isNew, added);
            Assert.Equal(oracle[name], cell);
        }

        Assert.Equal(oracle.Count, table.Count);
        foreach ((string name, int cell) in oracle)
        {
            Assert.Equal(name, string.Join(',', table.Keys.Slice(cell * width, width).ToArray()));
        }
    }
}
