// SeparationCertificate: cells whose maximum-likelihood fitted mean sits on the boundary (a poisson
// rate of 0, a logit probability of 0 or 1) because of a combination of regressors, beyond the single
// one-sided level that Separation finds.
//
// Reference: Correia, Guimarães & Zylkin (2019), "Verifying the existence of maximum likelihood
//   estimates for generalized linear models", arXiv:1903.01633, §3 (the certificate) and the
//   iterated rectifier ("ReLU") of ppmlhdfe (Correia, Guimarães & Zylkin 2020, Stata Journal 20(1)).
// The certificate: the poisson estimate is infinite iff some z = Xγ has z ≥ 0 on every observation,
//   z = 0 where y > 0 and z > 0 somewhere; the observations with z > 0 are separated (their fitted
//   mean is 0 at the supremum) and the other coefficients are those of the fit without them
//   (Proposition 2). Rows of a cell share x, so on cells: a cell with Σwy > 0 (a "mixed" cell)
//   needs z_c = 0, a cell with Σwy = 0 (a "one-sided" cell, all its rows 0) needs z_c ≥ 0.
// The logit (Albert & Anderson 1984; Konis 2007, "Linear programming algorithms for detecting
//   separated data in binary logistic regression models", DPhil thesis, Oxford, ch. 3): the estimate
//   is infinite iff some z = Xγ ≠ 0 has z ≥ 0 on rows with y = 1 and z ≤ 0 on rows with y = 0. On
//   cells: a cell of all ones (Σwy = Σw) needs z_c ≥ 0, one of all zeros (Σwy = 0) z_c ≤ 0, a mixed
//   cell (both, or proportions strictly inside) z_c = 0. With s_c = +1 for all-ones and −1 for
//   all-zeros, s_c·z_c ≥ 0 on one-sided cells and z_c = 0 on mixed ones: the poisson problem on the
//   design whose one-sided rows are multiplied by s_c, so the same rectifier solves it (regressing
//   s∘u on X is regressing u on that design, as s_c² = 1). Separated: one-sided cells with s_c·z_c > 0
//   (their fitted probability is 0 or 1 at the supremum).
// Iterated rectifier: u = 1 on one-sided cells, 0 on mixed cells; repeat: regress s∘u on X with weight
//   K on mixed cells and 1 on one-sided cells (so that the fit is ~0 there), fitted values û; values
//   of s∘û within tol of 0 are 0; if s∘û ≥ 0 on every one-sided cell, stop: the cells with s∘û > 0 are
//   separated; else u = max(s∘û, 0) on one-sided cells (the rectifier) and repeat. The paper shows
//   the iteration converges to a certificate when one exists and to 0 when none does.
// Invariant: only cells still in the fit take part (levels found by Separation are already out).
// Cost: one weighted least-squares solve per round, by the fit's own path (dense QR or LSMR);
//   nothing at all when no one-sided cell remains (most data with a few zeros take 1–3 rounds).

using Keel.Model;
using Keel.Solvers;

namespace Keel.Solvers.Glm;

/// <summary>The iterated-rectifier separation check on poisson cells (see the file header).</summary>
internal static class SeparationCertificate
{
    /// <summary>
    /// Adds to <paramref name="found"/> the zero cells separated by a combination of regressors and
    /// names them by their regressor values.
    /// </summary>
    public static SeparationResult Extend(Design design, SeparationResult found, Func<Design, bool, LeastSquaresSolution> solve, GlmOptions options, CancellationToken cancel, GlmFamily family = GlmFamily.Poisson)
    {
        int m = design.CellCount;
        bool[] separated = found.CellIsSeparated;
        var zero = new bool[m];      // one-sided cells (the name of the poisson case: all rows 0)
        var positive = new bool[m];  // mixed cells: z_c = 0
        var sign = new double[m];    // s_c: the side a one-sided cell's z must take
        bool anyZero = false, anyPositive = false;
        for (int c = 0; c < m; c++)
        {
            bool inFit = !separated[c] && design.CellWeight[c] > 0;
            bool allZero = design.Cells.SumWy[c].IsZero;
            bool allOne = family == GlmFamily.Binomial && AllOne(design, c);
            zero[c] = inFit && (allZero || allOne);
            sign[c] = allOne ? 1.0 : family == GlmFamily.Binomial ? -1.0 : 1.0;
            positive[c] = inFit && !zero[c];
            anyZero |= zero[c];
            anyPositive |= positive[c];
        }

        if (!anyZero || !anyPositive)
        {
            return found;
        }

        var u = new double[m];
        for (int c = 0; c < m; c++)
        {
            u[c] = zero[c] ? 1.0 : 0.0;
        }

        var weight = new double[m];
        for (int c = 0; c < m; c++)
        {
            weight[c] = positive[c] ? options.SeparationWeight : zero[c] ? 1.0 : 0.0;
        }

        bool[]? certificate = null;
        for (int round = 0; round < options.SeparationMaxRounds && certificate is null; round++)
        {
            cancel.ThrowIfCancellationRequested();
            var target = new LinearAlgebra.DoubleDouble[m];
            for (int c = 0; c < m; c++)
            {
                target[c] = LinearAlgebra.DoubleDouble.FromDouble(sign[c] * u[c]);
            }

            var problem = new Design(design.Formula, design.Cells, design.Columns, design.SolvedOfColumn, design.SlotsPerCell, design.SlotColumn, design.SlotValue, design.SlotValueLow, weight, target)
            {
                TermCodings = design.TermCodings,
            };
            LeastSquaresSolution regression = solve(problem, false);
            if (!regression.Converged)
            {
                // The weighted regression (weights 1 and K) did not converge on this path: no
                // certificate from it; a remaining separation shows as NOT_CONVERGED (docs/glm.md).
                break;
            }

            double[] fitted = regression.FittedByCell(problem);
            bool allNonNegative = true;
            for (int c = 0; c < m; c++)
            {
                if (zero[c])
                {
                    // Here fitted[c] becomes s_c·û_c with values within the tolerance of 0 taken as 0.
                    fitted[c] = Math.Abs(fitted[c]) <= options.SeparationTolerance || !double.IsFinite(fitted[c]) ? 0.0 : sign[c] * fitted[c];
                    allNonNegative &= fitted[c] >= 0;
                }
            }

            if (allNonNegative)
            {
                certificate = zero.Select((z, c) => z && fitted[c] > 0).ToArray();
                break;
            }

            for (int c = 0; c < m; c++)
            {
                u[c] = zero[c] ? Math.Max(fitted[c], 0.0) : 0.0;
            }
        }

        if (certificate is null || !certificate.Contains(true))
        {
            // No certificate within the rounds (or none exists): a remaining separation shows as NOT_CONVERGED.
            return found;
        }

        // Named by their categorical values (continuous values would name one row each), grouped.
        var categorical = new HashSet<string>(design.TermCodings.SelectMany(t => t).Where(f => f.IsCategorical).Select(f => f.Column), StringComparer.Ordinal);
        int[] nameColumns = Enumerable.Range(0, design.Cells.KeyColumns.Length).Where(j => categorical.Contains(design.Cells.KeyColumns[j].Name)).ToArray();
        if (nameColumns.Length == 0)
        {
            nameColumns = Enumerable.Range(0, design.Cells.KeyColumns.Length).ToArray();
        }

        var rowsByName = new Dictionary<string, long>(StringComparer.Ordinal);
        var names = new List<string>();
        bool[] all = (bool[])separated.Clone();
        long rows = found.Rows;
        for (int c = 0; c < m; c++)
        {
            if (certificate[c])
            {
                all[c] = true;
                rows += design.Cells.RowCount[c];
                string name = string.Join(", ", nameColumns.Select(j => $"{design.Cells.KeyColumns[j].Name} = {design.Cells.KeyColumns[j].Labels[design.Cells.Code(c, j)]}"));
                if (!rowsByName.TryAdd(name, design.Cells.RowCount[c]))
                {
                    rowsByName[name] += design.Cells.RowCount[c];
                }
                else
                {
                    names.Add(name);
                }
            }
        }

        var cells = names.Select(n => (n, rowsByName[n])).ToList();

        return found with { CellIsSeparated = all, Rows = rows, Combinations = cells };
    }

    // Σwy = Σw exactly: every row of the cell is 1 (binomial targets lie in [0, 1]).
    private static bool AllOne(Design design, int c) => Compression.ExactSum.ExactlyEqual(in design.Cells.SumW[c], in design.Cells.SumWy[c]);
}
