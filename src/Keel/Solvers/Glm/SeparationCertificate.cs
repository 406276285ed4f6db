// SeparationCertificate: poisson cells whose maximum-likelihood fitted mean is 0 because of a
// combination of regressors, beyond the single all-zero level of Separation.
//
// Reference: Correia, Guimarães & Zylkin (2019), "Verifying the existence of maximum likelihood
//   estimates for generalized linear models", arXiv:1903.01633, §3 (the certificate) and the
//   iterated rectifier ("ReLU") of ppmlhdfe (Correia, Guimarães & Zylkin 2020, Stata Journal 20(1)).
// The certificate: the poisson estimate is infinite iff some z = Xγ has z ≥ 0 on every observation,
//   z = 0 where y > 0 and z > 0 somewhere; the observations with z > 0 are separated (their fitted
//   mean is 0 at the supremum) and the other coefficients are those of the fit without them
//   (Proposition 2). Rows of a cell share x, so on cells: a cell with Σwy > 0 (a "positive" cell)
//   needs z_c = 0, a cell with Σwy = 0 (a "zero" cell, all its rows 0) needs z_c ≥ 0.
// Iterated rectifier: u = 1 on zero cells, 0 on positive cells; repeat: regress u on X with weight K
//   on positive cells and 1 on zero cells (so that the fit is ~0 there), fitted values û; values
//   with |û| ≤ tol are 0; if û ≥ 0 on every zero cell, stop: the cells with û > 0 are separated;
//   else u = max(û, 0) on zero cells (the rectifier) and repeat. The paper shows the iteration
//   converges to a certificate when one exists and to 0 when none does.
// Invariant: only cells still in the fit take part (levels found by Separation are already out).
// Cost: one weighted least-squares solve per round, by the fit's own path (dense QR or LSMR);
//   nothing at all when no zero cell remains (most count data with a few zeros take 1–3 rounds).

using Keel.Model;
using Keel.Results;
using Keel.Solvers;

namespace Keel.Solvers.Glm;

/// <summary>The iterated-rectifier separation check on poisson cells (see the file header).</summary>
internal static class SeparationCertificate
{
    /// <summary>
    /// Adds to <paramref name="found"/> the zero cells separated by a combination of regressors and
    /// names them by their regressor values.
    /// </summary>
    public static SeparationResult Extend(Design design, SeparationResult found, Func<Design, bool, LeastSquaresSolution> solve, GlmOptions options, CancellationToken cancel)
    {
        int m = design.CellCount;
        bool[] separated = found.CellIsSeparated;
        var zero = new bool[m];
        var positive = new bool[m];
        bool anyZero = false, anyPositive = false;
        for (int c = 0; c < m; c++)
        {
            bool inFit = !separated[c] && design.CellWeight[c] > 0;
            zero[c] = inFit && design.Cells.SumWy[c].IsZero;
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
                target[c] = LinearAlgebra.DoubleDouble.FromDouble(u[c]);
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

            double[] fitted = ResultAssembler.FittedByCell(problem, regression);
            bool allNonNegative = true;
            for (int c = 0; c < m; c++)
            {
                if (zero[c])
                {
                    // Here fitted[c] is û_c with values within the tolerance of 0 taken as 0.
                    fitted[c] = Math.Abs(fitted[c]) <= options.SeparationTolerance || !double.IsFinite(fitted[c]) ? 0.0 : fitted[c];
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
}
