using Keel.Compression;

namespace Keel.Tests.TestSupport;

/// <summary>The tests' one comparison of two cell tables.</summary>
internal static class CellTables
{
    /// <summary>
    /// The same cells: count, key codes, level labels, row counts, and every sum (Σw, Σwy, Σwy², and
    /// Σw·e^offset, Σw·y·log y when the expected table has them) compared exactly (ExactSumText, the
    /// lossless form cells files write), or with <paramref name="roundedOnly"/> as the bits of their
    /// roundings to double (for engines that keep no exact sum). <paramref name="firstLines"/> also
    /// compares where each value was first seen, a property of the row order; <paramref name="counts"/>
    /// the rows read, used and dropped.
    /// </summary>
    public static void AssertSame(CellTable expected, CellTable actual, string what = "", bool firstLines = false, bool roundedOnly = false, bool counts = false)
    {
        Assert.True(expected.CellCount == actual.CellCount, $"{what}: {actual.CellCount} cells, expected {expected.CellCount}");
        if (counts)
        {
            Assert.Equal(expected.Counts, actual.Counts);
        }

        Assert.Equal(expected.KeyCodes.AsSpan(0, expected.CellCount * expected.KeyColumns.Length).ToArray(), actual.KeyCodes.AsSpan(0, actual.CellCount * actual.KeyColumns.Length).ToArray());
        Assert.Equal(expected.RowCount.AsSpan(0, expected.CellCount).ToArray(), actual.RowCount.AsSpan(0, actual.CellCount).ToArray());
        for (int j = 0; j < expected.KeyColumns.Length; j++)
        {
            Assert.Equal(expected.KeyColumns[j].Labels, actual.KeyColumns[j].Labels);
            if (firstLines)
            {
                Assert.Equal(expected.KeyColumns[j].FirstLine, actual.KeyColumns[j].FirstLine);
            }
        }

        var sums = new List<(string Name, ExactSum[] Expected, ExactSum[]? Actual)>
        {
            ("Σw", expected.SumW, actual.SumW),
            ("Σwy", expected.SumWy, actual.SumWy),
            ("Σwy²", expected.SumWy2, actual.SumWy2),
        };
        if (expected.SumWExpOffset is { } offset)
        {
            sums.Add(("Σw·e^offset", offset, actual.SumWExpOffset));
        }

        if (expected.SumWYLogY is { } yLogY)
        {
            sums.Add(("Σw·y·log y", yLogY, actual.SumWYLogY));
        }

        foreach ((string name, ExactSum[] e, ExactSum[]? a) in sums)
        {
            Assert.True(a is not null, $"{what}: no {name}");
            for (int c = 0; c < expected.CellCount; c++)
            {
                bool same = roundedOnly
                    ? BitConverter.DoubleToInt64Bits(e[c].ToDouble()) == BitConverter.DoubleToInt64Bits(a![c].ToDouble())
                    : ExactSumText.Format(e[c]) == ExactSumText.Format(a![c]);
                Assert.True(same, $"{what}: cell {c}, {name} {ExactSumText.Format(a![c])}, expected {ExactSumText.Format(e[c])}");
            }
        }
    }
}
