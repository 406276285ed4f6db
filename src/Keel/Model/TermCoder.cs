using Keel.Compression;
using Keel.LinearAlgebra;

namespace Keel.Model;

/// <summary>
/// The columns of one term over the cells: each observed combination of its categorical factors'
/// levels (reference levels excluded where treatment-coded) times each tuple of its continuous
/// sub-columns. Combinations are sorted by level codes in the term's factor order, so the column
/// order depends only on the data's set of cells.
/// </summary>
internal sealed class TermCoder
{
    private readonly string _label;
    private readonly ResolvedFactor[] _factors;
    private readonly bool[] _contrast;
    private readonly CellTable _cells;
    private readonly int[] _categorical;
    private readonly int[] _continuous;
    private readonly int _subCount;
    private readonly int[] _comboOfCell;
    private readonly int[][] _combos;

    public TermCoder(string label, ResolvedFactor[] factors, bool[] contrast, CellTable cells)
    {
        _label = label;
        _factors = factors;
        _contrast = contrast;
        _cells = cells;
        _categorical = Enumerable.Range(0, factors.Length).Where(i => factors[i].IsCategorical).ToArray();
        _continuous = Enumerable.Range(0, factors.Length).Where(i => !factors[i].IsCategorical).ToArray();
        _subCount = _continuous.Aggregate(1, (n, i) => n * factors[i].SubColumns);
        (_comboOfCell, _combos) = ObservedCombinations();
    }

    /// <summary>Index of the term in the formula, recorded on its columns.</summary>
    public int TermIndex { get; init; } = -1;

    /// <summary>Number of solved columns this term adds.</summary>
    public int SolvedColumnCount => _combos.Length * _subCount;

    /// <summary>Appends the term's listed columns (solved ones and, for a single treatment-coded factor, the reference level).</summary>
    public void AppendColumns(List<DesignColumn> columns, List<int> solvedOf)
    {
        int nextSolved = solvedOf.Count(i => i >= 0);
        bool listReference = _categorical.Length == 1 && _contrast[_categorical[0]];
        int referenceCode = listReference ? _factors[_categorical[0]].ReferenceCode : -1;
        bool referenceListed = !listReference;
        foreach (int[] combo in _combos)
        {
            if (!referenceListed && combo[0] > referenceCode)
            {
                AddReference(columns, solvedOf, referenceCode);
                referenceListed = true;
            }

            for (int sub = 0; sub < _subCount; sub++)
            {
                (string name, string? level) = Name(combo, sub);
                columns.Add(new DesignColumn(name, _label, level, false) { TermIndex = TermIndex, Levels = LevelsOf(combo), Sub = sub });
                solvedOf.Add(nextSolved++);
            }
        }

        if (!referenceListed)
        {
            AddReference(columns, solvedOf, referenceCode);
        }
    }

    /// <summary>Slots this term fills in each cell.</summary>
    public int SlotsPerCell => _subCount;

    /// <summary>
    /// Writes this term's slots for every cell, starting at slot <paramref name="firstSlot"/>; returns
    /// the next free slot. <paramref name="slotValueLow"/> may be null when the term is purely
    /// categorical (its values are 1, no low parts).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int FillSlots(int[] slotColumn, double[] slotValue, double[]? slotValueLow, int slotsPerCell, int firstSlot, int firstSolvedColumn)
    {
        if (_continuous.Length == 0)
        {
            // Indicator columns: value 1 in the cell's combination, one slot per cell.
            for (int c = 0; c < _cells.CellCount; c++)
            {
                int combo = _comboOfCell[c];
                int at = (c * slotsPerCell) + firstSlot;
                slotColumn[at] = combo < 0 ? -1 : firstSolvedColumn + combo;
                slotValue[at] = combo < 0 ? 0.0 : 1.0;
            }

            return firstSlot + 1;
        }

        var values = new DoubleDouble[_subCount];
        var byFactor = new DoubleDouble[_continuous.Length][];
        for (int c = 0; c < _cells.CellCount; c++)
        {
            int combo = _comboOfCell[c];
            ContinuousValues(c, byFactor, values);
            for (int sub = 0; sub < _subCount; sub++)
            {
                int at = (c * slotsPerCell) + firstSlot + sub;
                slotColumn[at] = combo < 0 ? -1 : firstSolvedColumn + (combo * _subCount) + sub;
                slotValue[at] = combo < 0 ? 0.0 : values[sub].Hi;
                slotValueLow![at] = combo < 0 ? 0.0 : values[sub].Lo;
            }
        }

        return firstSlot + _subCount;
    }

    private void AddReference(List<DesignColumn> columns, List<int> solvedOf, int referenceCode)
    {
        var combo = new[] { referenceCode };
        for (int sub = 0; sub < _subCount; sub++)
        {
            (string name, string? level) = Name(combo, sub);
            columns.Add(new DesignColumn(name, _label, level, true) { TermIndex = TermIndex, Levels = LevelsOf(combo), Sub = sub });
            solvedOf.Add(-1);
        }
    }

    private void ContinuousValues(int cell, DoubleDouble[][] byFactor, DoubleDouble[] values)
    {
        for (int k = 0; k < _continuous.Length; k++)
        {
            ResolvedFactor f = _factors[_continuous[k]];
            byFactor[k] = f.ValuesByCode![_cells.Code(cell, f.KeyIndex)];
        }

        CombineContinuous(byFactor, values);
    }

    /// <summary>
    /// The values of a term's continuous sub-columns from each continuous factor's values (in factor
    /// order): products over the factors, tuples running with the last factor fastest. Used for
    /// cells here and for new rows by prediction, so both get the same bits.
    /// </summary>
    internal static void CombineContinuous(IReadOnlyList<DoubleDouble[]> valuesByFactor, DoubleDouble[] values)
    {
        Array.Fill(values, DoubleDouble.FromDouble(1.0));
        int stride = values.Length;
        bool first = true;
        foreach (DoubleDouble[] byFactor in valuesByFactor)
        {
            stride /= byFactor.Length;
            for (int sub = 0; sub < values.Length; sub++)
            {
                DoubleDouble v = byFactor[(sub / stride) % byFactor.Length];
                // The first factor is taken as is, so a lone x stays bit for bit the value read.
                values[sub] = first ? v : DoubleDouble.Multiply(values[sub], v);
            }

            first = false;
        }
    }

    private string[] LevelsOf(int[] combo)
    {
        var levels = new string[_categorical.Length];
        for (int k = 0; k < _categorical.Length; k++)
        {
            levels[k] = _factors[_categorical[k]].Column.Labels[combo[k]];
        }

        return levels;
    }

    private (string Name, string? Level) Name(int[] combo, int sub)
    {
        var parts = new string[_factors.Length];
        var levels = new List<string>();
        for (int k = 0; k < _categorical.Length; k++)
        {
            ResolvedFactor f = _factors[_categorical[k]];
            string level = f.Column.Labels[combo[k]];
            levels.Add(level);
            parts[_categorical[k]] = $"{f.Label}[{level}]";
        }

        int stride = _subCount;
        foreach (int i in _continuous)
        {
            stride /= _factors[i].SubColumns;
            parts[i] = _factors[i].SubColumnName((sub / stride) % _factors[i].SubColumns);
        }

        return (string.Join(':', parts), levels.Count == 0 ? null : string.Join(':', levels));
    }

    // One categorical factor: its combinations are its observed levels, already in code order, so
    // a table indexed by code replaces the hash table (same numbering: levels ascending).
    private (int[] ComboOfCell, int[][] Combos) ObservedLevels(ResolvedFactor factor, bool contrast)
    {
        int levels = factor.Column.Count;
        var rankOfCode = new int[levels];
        for (int c = 0; c < _cells.CellCount; c++)
        {
            rankOfCode[_cells.Code(c, factor.KeyIndex)] = 1;
        }

        if (contrast)
        {
            rankOfCode[factor.ReferenceCode] = 0;
        }

        var combos = new List<int[]>();
        for (int code = 0; code < levels; code++)
        {
            if (rankOfCode[code] != 0)
            {
                rankOfCode[code] = combos.Count;
                combos.Add([code]);
            }
            else
            {
                rankOfCode[code] = -1;
            }
        }

        var comboOfCell = new int[_cells.CellCount];
        for (int c = 0; c < comboOfCell.Length; c++)
        {
            comboOfCell[c] = rankOfCode[_cells.Code(c, factor.KeyIndex)];
        }

        return (comboOfCell, [.. combos]);
    }

    private (int[] ComboOfCell, int[][] Combos) ObservedCombinations()
    {
        int width = _categorical.Length;
        if (width == 1)
        {
            return ObservedLevels(_factors[_categorical[0]], _contrast[_categorical[0]]);
        }

        var comboOfCell = new int[_cells.CellCount];
        var table = new CellHashTable(Math.Max(width, 1), 64);
        Span<int> key = stackalloc int[Math.Max(width, 1)];
        for (int c = 0; c < _cells.CellCount; c++)
        {
            bool atReference = false;
            for (int k = 0; k < width; k++)
            {
                ResolvedFactor f = _factors[_categorical[k]];
                key[k] = _cells.Code(c, f.KeyIndex);
                atReference |= _contrast[_categorical[k]] && key[k] == f.ReferenceCode;
            }

            comboOfCell[c] = atReference ? -1 : table.FindOrAdd(key, out _);
        }

        // Renumber the combinations in lexicographic order of their level codes.
        int count = table.Count;
        int[][] combos = new int[count][];
        for (int i = 0; i < count; i++)
        {
            combos[i] = width == 0 ? [] : table.Keys.Slice(i * width, width).ToArray();
        }

        int[] order = Enumerable.Range(0, count).ToArray();
        Array.Sort(order, (a, b) => combos[a].AsSpan().SequenceCompareTo(combos[b]));
        var rank = new int[count];
        for (int r = 0; r < count; r++)
        {
            rank[order[r]] = r;
        }

        for (int c = 0; c < comboOfCell.Length; c++)
        {
            comboOfCell[c] = comboOfCell[c] < 0 ? -1 : rank[comboOfCell[c]];
        }

        return (comboOfCell, order.Select(i => combos[i]).ToArray());
    }
}
