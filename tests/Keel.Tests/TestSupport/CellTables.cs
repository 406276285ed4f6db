using Keel.Compression;

namespace Keel.Tests.TestSupport;

/// <summary>Bit-for-bit comparison of two cell tables (the promise of the row pass on every path).</summary>
internal static class CellTables
{
    /// <summary>How much of the sums to compare.</summary>
    public enum Sums
    {
        /// <summary>The doubles the sums round to, bit for bit (a source that sums in another engine, or reads rounded sums, can only promise these).</summary>
        Rounded,

        /// <summary>The exact values (as cells files write them), not only their roundings.</summary>
        Exact,
    }

    /// <summary>
    /// The same cells: key labels and codes, row counts and every sum (the optional GLM statistics
    /// too, where <paramref name="expected"/> has them). <paramref name="sameFirstLines"/> also
    /// compares where each value was first seen, a property of the file's row order;
    /// <paramref name="sameCounts"/> the rows read, used and dropped (a property of one read of one file).
    /// </summary>
    public static void AssertSameBits(CellTable expected, CellTable actual, string what = "cells", Sums sums = Sums.Rounded, bool sameFirstLines = false, bool sameCounts = false)
    {
        Assert.True(expected.CellCount == actual.CellCount, $"{what}: {actual.CellCount} cells, expected {expected.CellCount}");
        if (sameCounts)
        {
            Assert.Equal(expected.Counts, actual.Counts);
        }

        Assert.Equal(expected.KeyColumns.Length, actual.KeyColumns.Length);
        for (int j = 0; j < expected.KeyColumns.Length; j++)
        {
            Assert.Equal(expected.KeyColumns[j].Labels, actual.KeyColumns[j].Labels);
            if (sameFirstLines)
            {
                Assert.Equal(expected.KeyColumns[j].FirstLine, actual.KeyColumns[j].FirstLine);
            }
        }

        Assert.Equal(expected.KeyCodes, actual.KeyCodes);
        Assert.Equal(expected.RowCount, actual.RowCount);
        AssertSameSums(expected.SumW, actual.SumW, sums, $"{what}: Σw");
        AssertSameSums(expected.SumWy, actual.SumWy, sums, $"{what}: Σwy");
        AssertSameSums(expected.SumWy2, actual.SumWy2, sums, $"{what}: Σwy²");
        if (expected.SumWExpOffset is { } offsets)
        {
            Assert.NotNull(actual.SumWExpOffset);
            AssertSameSums(offsets, actual.SumWExpOffset, sums, $"{what}: Σw·exp(offset)");
        }

        if (expected.SumWYLogY is { } yLogY)
        {
            Assert.NotNull(actual.SumWYLogY);
            AssertSameSums(yLogY, actual.SumWYLogY, sums, $"{what}: Σwy·log y");
        }
    }

    private static void AssertSameSums(ExactSum[] expected, ExactSum[] actual, Sums sums, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int c = 0; c < expected.Length; c++)
        {
            if (sums == Sums.Exact)
            {
                Assert.True(ExactSumText.Format(expected[c]) == ExactSumText.Format(actual[c]), $"{what} of cell {c}: {ExactSumText.Format(actual[c])}, expected {ExactSumText.Format(expected[c])}");
            }
            else
            {
                long e = BitConverter.DoubleToInt64Bits(expected[c].ToDouble()), a = BitConverter.DoubleToInt64Bits(actual[c].ToDouble());
                Assert.True(e == a, $"{what} of cell {c}: {actual[c].ToDouble():R}, expected {expected[c].ToDouble():R}");
            }
        }
    }
}
