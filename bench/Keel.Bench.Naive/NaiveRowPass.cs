// NAIVE row pass, for the cost-of-reproducibility benchmark only: the structure of
// Keel.Compression.RowPass (same CSV reader, value interning and cell hash table, so only the
// arithmetic differs) with plain double `+=` cell sums instead of ExactSum and Math.Log instead of
// ElementaryFunctions.Log. Unweighted rows, no missing-value handling beyond the reader's: enough for
// the generated benchmark files. Its sums depend on the row order; Finish rounds them into a
// CellTable (through the product's canonical ordering) so the naive solvers can run on it.
using System.Globalization;
using System.Runtime.InteropServices;
using Keel.Compression;
using Keel.Data;

namespace Keel.Bench.Naive;

/// <summary>Row pass with order-dependent double sums (bench only).</summary>
internal sealed class NaiveRowPass
{
    private readonly RowPassPlan _plan;
    private readonly bool _logTarget;
    private readonly ValueInterner[] _interners;
    private readonly CellHashTable _cells;
    private readonly int[] _key;
    private readonly List<long> _rowCount = [];
    private readonly List<double> _sumY = [];
    private readonly List<double> _sumY2 = [];
    private readonly List<ExactSum> _exactY = [];
    private readonly List<ExactSum> _exactY2 = [];
    private readonly bool _exact;
    private long _rows;

    /// <summary>
    /// A naive pass; with <paramref name="exactSums"/> the same loop accumulates ExactSum and takes
    /// Keel's own Log instead (to split the row-pass cost: arithmetic against everything else).
    /// </summary>
    public NaiveRowPass(RowPassPlan plan, bool exactSums = false)
    {
        _exact = exactSums;
        _plan = plan;
        _logTarget = plan.LogTarget;
        _interners = new ValueInterner[plan.KeyColumns.Count];
        for (int j = 0; j < _interners.Length; j++)
        {
            _interners[j] = new ValueInterner();
        }

        _cells = new CellHashTable(plan.KeyColumns.Count);
        _key = new int[plan.KeyColumns.Count];
    }

    public void Add(ITabularSource source)
    {
        int[] keyOrdinals = _plan.KeyColumns.Select(name => IndexOf(source, name)).ToArray();
        int targetOrdinal = IndexOf(source, _plan.TargetColumn);
        while (source.Read())
        {
            _rows++;
            for (int j = 0; j < keyOrdinals.Length; j++)
            {
                _key[j] = _interners[j].Intern(source.GetField(keyOrdinals[j]), source.Line);
            }

            double y = double.Parse(source.GetField(targetOrdinal), NumberStyles.Float, CultureInfo.InvariantCulture);
            if (_logTarget)
            {
                y = _exact ? Keel.LinearAlgebra.ElementaryFunctions.Log(y) : Math.Log(y);
            }

            int cell = _cells.FindOrAdd(_key, out bool added);
            if (added)
            {
                _rowCount.Add(0);
                _sumY.Add(0);
                _sumY2.Add(0);
                _exactY.Add(default);
                _exactY2.Add(default);
            }

            CollectionsMarshal.AsSpan(_rowCount)[cell]++;
            if (_exact)
            {
                CollectionsMarshal.AsSpan(_exactY)[cell].Add(y);
                CollectionsMarshal.AsSpan(_exactY2)[cell].AddProduct(y, y);
            }
            else
            {
                CollectionsMarshal.AsSpan(_sumY)[cell] += y;
                CollectionsMarshal.AsSpan(_sumY2)[cell] += y * y;
            }
        }
    }

    /// <summary>The cells as a CellTable (each rounded double sum becomes an exact one-term sum), through the product's canonical merge.</summary>
    public CellTable Finish()
    {
        int count = _rowCount.Count;
        var stats = new CellStats[count];
        var sums = new CellSums[count];
        for (int c = 0; c < count; c++)
        {
            stats[c] = new CellStats { Rows = _rowCount[c], Full = c };
            if (_exact)
            {
                sums[c] = new CellSums { Wy = _exactY[c], Wy2 = _exactY2[c] };
            }
            else
            {
                ExactSum b = default, d = default;
                b.Add(_sumY[c]);
                d.Add(_sumY2[c]);
                sums[c] = new CellSums { Wy = b, Wy2 = d };
            }
        }

        var counts = new RowPassCounts(_rows, _rows, 0, 0, 0);
        var part = new CellPart(_interners, _cells.KeyArena, stats, sums, Compact: false, SumW: null, count);
        return CellCanonicalizer.Canonicalize(_plan.KeyColumns, [part], sumWFromRows: true, counts);
    }

    private static int IndexOf(ITabularSource source, string name)
    {
        for (int i = 0; i < source.ColumnNames.Count; i++)
        {
            if (string.Equals(source.ColumnNames[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"no column '{name}'");
    }
}
