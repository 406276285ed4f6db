// RowSeparation: Separation's level rule on the row path, where the model is main effects of factors
// (with the intercept) plus continuous covariates.
//
// Rule (Separation's header; Correia, Guimarães & Zylkin 2019, §2): a level of a factor whose rows'
//   outcomes are all 0 (poisson), or all 0 or all 1 (binomial), has an infinite estimate; its rows
//   are left out, which leaves the maximum-likelihood estimate of the rest unchanged. The tests are
//   on the values themselves (y = 0, y = 1), so they are exact. For binomial, leaving out one level
//   can make another one-sided, so the test repeats until nothing changes (for poisson the rows
//   left out are zeros and change no other level's verdict). Separation by a combination of levels
//   or by the covariates is not searched here (the cell path's SeparationCertificate does it).
// Cost: one pass over the rows per factor and round.
using Keel.Rows;

namespace Keel.Solvers.Glm;

/// <summary>Rows of separated levels, and the levels for the warning.</summary>
/// <param name="RowIsSeparated">True for a row left out.</param>
/// <param name="Levels">Each separated level: its factor (index into the rows' factors), its code, its rows and whether all its outcomes were 1.</param>
/// <param name="Rows">Rows left out.</param>
internal sealed record RowSeparationResult(bool[] RowIsSeparated, IReadOnlyList<(int Factor, int Level, long Rows, bool AllOne)> Levels, long Rows);

internal static class RowSeparation
{
    /// <summary>The separated levels of the first <paramref name="modelFactors"/> factors.</summary>
    public static RowSeparationResult Detect(RowColumns rows, int modelFactors, GlmFamily family)
    {
        int n = rows.Count;
        double[] y = rows.Target;
        var separated = new bool[n];
        var levels = new List<(int, int, long, bool)>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int f = 0; f < modelFactors; f++)
            {
                FactorColumn factor = rows.Factors[f];
                var count = new long[factor.LevelCount];
                var notZero = new bool[factor.LevelCount];
                var notOne = new bool[factor.LevelCount];
                int[] codes = factor.Codes;
                for (int i = 0; i < n; i++)
                {
                    if (!separated[i])
                    {
                        int l = codes[i];
                        count[l]++;
                        notZero[l] |= y[i] != 0;
                        notOne[l] |= y[i] != 1;
                    }
                }

                var drop = new bool[factor.LevelCount];
                for (int l = 0; l < factor.LevelCount; l++)
                {
                    bool allZero = count[l] > 0 && !notZero[l];
                    bool allOne = family == GlmFamily.Binomial && count[l] > 0 && !notOne[l];
                    if (allZero || allOne)
                    {
                        drop[l] = true;
                        levels.Add((f, l, count[l], allOne && !allZero));
                        changed = family == GlmFamily.Binomial;
                    }
                }

                for (int i = 0; i < n; i++)
                {
                    separated[i] |= drop[codes[i]];
                }
            }
        }

        return new RowSeparationResult(separated, levels, separated.LongCount(s => s));
    }
}
