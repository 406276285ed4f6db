using Keel.Compression;
using Keel.LinearAlgebra;

namespace Keel.Model;

/// <summary>
/// Builds the cells design from a formula: which columns the row pass must key on, then the coded
/// terms over the finished cells.
/// Coding (as R's model.matrix): a categorical factor in a term is treatment-coded (reference level
/// dropped) when the term without that factor is also in the model (the empty term being the
/// intercept); otherwise it is coded with all its levels. Without an intercept, the first
/// categorical main effect gets all its levels. Interaction columns exist only for combinations
/// that occur in the data (an unobserved combination is an all-zero column nothing can identify).
/// Design order: intercept, then terms in formula order, levels in canonical order, powers ascending.
/// </summary>
internal static class DesignBuilder
{
    /// <summary>The row-pass plan for a formula: its response, weights, and every regressor column once, in order of appearance.</summary>
    public static RowPassPlan PlanFor(Formula formula, string? weightColumn, bool dropInvalid)
    {
        var keys = new List<string>();
        foreach (Term term in formula.Terms)
        {
            foreach (Factor factor in term.Factors)
            {
                if (!keys.Contains(factor.Column, StringComparer.Ordinal))
                {
                    keys.Add(factor.Column);
                }
            }
        }

        return new RowPassPlan(formula.Response.Column, formula.Response.Log, weightColumn, keys)
        {
            DropInvalid = dropInvalid,
            OffsetColumn = formula.Offset?.Column,
            OffsetLog = formula.Offset?.Log ?? false,
        };
    }

    private const int MeanRescale = 64;

    /// <summary>The design of <paramref name="formula"/> over <paramref name="cells"/>.</summary>
    /// <param name="formula">The parsed formula.</param>
    /// <param name="cells">The finished cells.</param>
    /// <param name="threads">Threads for the per-term and per-cell work; every value is computed by one owner, so the design does not depend on it.</param>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static Design Build(Formula formula, CellTable cells, int threads = 1)
    {
        if (cells.CellCount == 0)
        {
            RowPassCounts counts = cells.Counts;
            string why = counts.RowsRead == 0
                ? "the input has a header but no data rows"
                : counts.ZeroWeightRows > 0 && counts.Dropped == 0
                    ? $"all {counts.RowsRead} rows have weight 0"
                    : $"{counts.RowsRead} read, {counts.Dropped} dropped ({counts.DroppedMissing} with a missing value in a column of the formula, {counts.DroppedInvalid} with an invalid target){(counts.ZeroWeightRows > 0 ? $", {counts.ZeroWeightRows} with weight 0" : string.Empty)}";
            throw new KeelInputException($"no rows left to fit: {why}");
        }

        var keyIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < cells.KeyColumns.Length; j++)
        {
            keyIndex[cells.KeyColumns[j].Name] = j;
        }

        var terms = formula.Terms
            .Select(t => t.Factors.Select(f => ResolvedFactor.Resolve(f, keyIndex[f.Column], cells.KeyColumns[keyIndex[f.Column]])).ToArray())
            .ToArray();
        bool[][] contrast = ChooseCoding(formula, terms);

        var columns = new List<DesignColumn>();
        var solvedOf = new List<int>();
        int slots = (formula.HasIntercept ? 1 : 0) + terms.Sum(t => t.Where(f => !f.IsCategorical).Aggregate(1, (n, f) => n * f.SubColumns));
        var slotColumn = new int[cells.CellCount * slots];
        var slotValue = new double[cells.CellCount * slots];
        // Low parts exist only for products of continuous values; indicator-only designs need none.
        double[]? slotValueLow = terms.Any(t => t.Any(f => !f.IsCategorical)) ? new double[cells.CellCount * slots] : null;
        int slot = 0;
        if (formula.HasIntercept)
        {
            columns.Add(new DesignColumn("(Intercept)", "(Intercept)", null, false));
            solvedOf.Add(0);
            for (int c = 0; c < cells.CellCount; c++)
            {
                slotValue[c * slots] = 1.0;
            }

            slot = 1;
        }

        // Terms are coded independently (each finds its observed combinations), then listed in
        // formula order, then fill disjoint slots.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        var clock = new SubStageClock("design");
        var coders = new TermCoder[terms.Length];
        Parallel.For(0, terms.Length, options, t => coders[t] = new TermCoder(formula.Terms[t].Label, terms[t], contrast[t], cells) { TermIndex = t });
        var firstSlot = new int[terms.Length];
        var firstSolved = new int[terms.Length];
        for (int t = 0; t < terms.Length; t++)
        {
            firstSolved[t] = solvedOf.Count(i => i >= 0);
            coders[t].AppendColumns(columns, solvedOf);
            firstSlot[t] = slot;
            slot += coders[t].SlotsPerCell;
        }

        clock.Lap("term coders");
        Parallel.For(0, terms.Length, options, t => coders[t].FillSlots(slotColumn, slotValue, slotValueLow, slots, firstSlot[t], firstSolved[t]));
        clock.Lap("slots");

        for (int at = 0; at < slotValue.Length; at++)
        {
            if (!double.IsFinite(slotValue[at]))
            {
                int j = slotColumn[at];
                string name = j >= 0 ? columns[Array.IndexOf([.. solvedOf], j)].Name : "a product of columns";
                throw new KeelInputException($"{name}: a value of this column does not fit in a double (product of values near the end of the double range); rescale the inputs");
            }
        }

        clock.Lap("finite check");
        var weight = new double[cells.CellCount];
        var mean = new DoubleDouble[cells.CellCount];
        const int Block = 1 << 14;
        Parallel.For(0, (cells.CellCount + Block - 1) / Block, options, b => CellMeans(cells, weight, mean, b * Block, Math.Min(cells.CellCount, (b + 1) * Block)));
        clock.Lap("cell means");

        bool anyLow = slotValueLow is not null && Array.Exists(slotValueLow, v => v != 0);
        var codings = terms.Select((t, i) => (IReadOnlyList<FactorCoding>)t.Select((f, k) => new FactorCoding(f.Column.Name, f.IsCategorical, contrast[i][k], f.IsCategorical ? f.Column.Labels[f.ReferenceCode] : null)).ToArray()).ToArray();
        return new Design(formula, cells, [.. columns], [.. solvedOf], slots, slotColumn, slotValue, anyLow ? slotValueLow : null, weight, mean) { TermCodings = codings };
    }

    // Σw as the cell weight and Σwy/Σw in double-double, for cells [from, to).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void CellMeans(CellTable cells, double[] weight, DoubleDouble[] mean, int from, int to)
    {
        for (int c = from; c < to; c++)
        {
            (double wHi, double wLo) = cells.SumW[c].ToDoubleDouble();
            (double yHi, double yLo) = cells.SumWy[c].ToDoubleDouble();
            weight[c] = wHi;
            if (!double.IsFinite(yHi))
            {
                // Σwy beyond the double range (repeated targets near 1e308): divide the sum scaled
                // down by 2^64 (exactly), then scale the mean back; the mean itself is a double.
                (yHi, yLo) = cells.SumWy[c].ScaleB(-MeanRescale).ToDoubleDouble();
                DoubleDouble scaled = DoubleDouble.Divide(new DoubleDouble(yHi, yLo), new DoubleDouble(wHi, wLo));
                mean[c] = new DoubleDouble(Math.ScaleB(scaled.Hi, MeanRescale), Math.ScaleB(scaled.Lo, MeanRescale));
                continue;
            }

            mean[c] = DoubleDouble.Divide(new DoubleDouble(yHi, yLo), new DoubleDouble(wHi, wLo));
        }
    }

    private static bool[][] ChooseCoding(Formula formula, ResolvedFactor[][] terms)
    {
        var termKeys = terms.Select(t => new HashSet<string>(t.Select(f => f.Label), StringComparer.Ordinal)).ToArray();
        bool interceptSpanned = formula.HasIntercept;
        var contrast = new bool[terms.Length][];
        for (int t = 0; t < terms.Length; t++)
        {
            contrast[t] = new bool[terms[t].Length];
            for (int i = 0; i < terms[t].Length; i++)
            {
                if (!terms[t][i].IsCategorical)
                {
                    continue;
                }

                var margin = new HashSet<string>(termKeys[t], StringComparer.Ordinal);
                margin.Remove(terms[t][i].Label);
                contrast[t][i] = margin.Count == 0 ? interceptSpanned : termKeys.Any(k => k.SetEquals(margin));
            }

            // Without an intercept, the first categorical main effect spans the constant; later ones are contrasts.
            if (terms[t].Length == 1 && terms[t][0].IsCategorical)
            {
                interceptSpanned = true;
            }
        }

        return contrast;
    }
}
