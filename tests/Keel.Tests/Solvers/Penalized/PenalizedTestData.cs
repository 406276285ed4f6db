// Small weighted datasets for the penalised solvers and an independent row-level oracle.
//
// Oracle: the design is rebuilt from the rows by coefficient name (treatment coding written out
// here, not taken from Keel), and the penalised problem is checked on the expanded rows through
// its optimality (KKT) conditions and the closed form for a given active set and signs.
using System.Globalization;
using Keel.Model;
using Keel.Pipeline;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Solvers.Penalized;

internal sealed record PenalizedRow(string A, string B, double X, double W, double Y);

internal static class PenalizedTestData
{
    public const string Formula = "y ~ a + b + x";

    /// <summary>Rows with two factors (4 and 3 levels), a numeric x on 5 values and integer weights 1–3: many rows per cell.</summary>
    public static List<PenalizedRow> Rows(int seed, int count = 300)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int a = rng.Next(4), b = rng.Next(3), x = rng.Next(5);
            double y = 1.5 + (0.8 * a) - (0.6 * b * b) + (0.3 * x) + (0.25 * rng.Next(-8, 9));
            return new PenalizedRow($"A{a}", $"B{b}", x, 1 + rng.Next(3), y);
        }).ToList();
    }

    public static string Csv(IEnumerable<PenalizedRow> rows) =>
        "a,b,x,w,y\n" + string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.A},{r.B},{r.X},{r.W},{r.Y}\n")));

    /// <summary>Each row repeated W times with weight 1: the expanded form of the weighted rows.</summary>
    public static List<PenalizedRow> Expanded(IEnumerable<PenalizedRow> rows) =>
        rows.SelectMany(r => Enumerable.Repeat(r with { W = 1 }, (int)r.W)).ToList();

    public static Design DesignOf(string csv, string formula = Formula, string? weights = "w")
    {
        using var file = new TempCsv(csv);
        var options = new FitOptions { Formula = formula, Inputs = [file.Path], WeightColumn = weights };
        Formula f = FormulaParser.Parse(formula);
        return DesignBuilder.Build(f, FitPipeline.ReadCells(f, options, null, default));
    }

    /// <summary>The row-level design by Keel's column names (solved columns only): X (n × p).</summary>
    public static Matrix<double> RowDesign(IReadOnlyList<PenalizedRow> rows, Design design)
    {
        string[] names = design.ColumnOfSolved.Select(i => design.Columns[i].Name).ToArray();
        return Matrix<double>.Build.Dense(rows.Count, names.Length, (i, j) => Value(rows[i], names[j]));
    }

    private static double Value(PenalizedRow r, string name) => name switch
    {
        "(Intercept)" => 1.0,
        "x" => r.X,
        _ when name.StartsWith("a[", StringComparison.Ordinal) => name == $"a[{r.A}]" ? 1.0 : 0.0,
        _ when name.StartsWith("b[", StringComparison.Ordinal) => name == $"b[{r.B}]" ? 1.0 : 0.0,
        _ => throw new ArgumentException(name),
    };
}

/// <summary>The elastic-net problem on expanded rows, solved and checked independently of Keel's code.</summary>
internal sealed class RowElasticNet(Matrix<double> x, Vector<double> y, Vector<double> w, bool[] penalized, double lambda, double alpha)
{
    private readonly double _totalWeight = w.Sum();

    /// <summary>c_j = (1/W)·Σ_rows w·x_j·(y − Xβ).</summary>
    public Vector<double> Correlations(Vector<double> beta) =>
        x.TransposeThisAndMultiply(w.PointwiseMultiply(y - (x * beta))) / _totalWeight;

    /// <summary>
    /// Largest violation of the optimality conditions: c_j = 0 for unpenalised j;
    /// c_j = λ(α·sign β_j + (1−α)β_j) for β_j ≠ 0; |c_j| ≤ λα (with (1−α)β_j = 0) for β_j = 0.
    /// </summary>
    public double KktViolation(Vector<double> beta)
    {
        Vector<double> c = Correlations(beta);
        double worst = 0;
        for (int j = 0; j < beta.Count; j++)
        {
            double v = !penalized[j] ? Math.Abs(c[j])
                : beta[j] != 0 ? Math.Abs(c[j] - (lambda * ((alpha * Math.Sign(beta[j])) + ((1 - alpha) * beta[j]))))
                : Math.Max(0, Math.Abs(c[j]) - (lambda * alpha));
            worst = Math.Max(worst, v);
        }

        return worst;
    }

    /// <summary>
    /// The closed form on a given active set with given signs: the stationarity equations restricted to
    /// the active (and unpenalised) columns, (X_A'WX_A/W + λ(1−α)·P_A)·β_A = X_A'Wy/W − λα·s_A.
    /// </summary>
    public Vector<double> ClosedForm(bool[] active, int[] sign)
    {
        int[] cols = Enumerable.Range(0, active.Length).Where(j => active[j]).ToArray();
        Matrix<double> xa = Matrix<double>.Build.Dense(x.RowCount, cols.Length, (i, k) => x[i, cols[k]]);
        Matrix<double> gram = xa.TransposeThisAndMultiply(Matrix<double>.Build.DiagonalOfDiagonalVector(w) * xa) / _totalWeight;
        Vector<double> rhs = xa.TransposeThisAndMultiply(w.PointwiseMultiply(y)) / _totalWeight;
        for (int k = 0; k < cols.Length; k++)
        {
            if (penalized[cols[k]])
            {
                gram[k, k] += lambda * (1 - alpha);
                rhs[k] -= lambda * alpha * sign[cols[k]];
            }
        }

        Vector<double> betaA = gram.Solve(rhs);
        var beta = Vector<double>.Build.Dense(active.Length);
        for (int k = 0; k < cols.Length; k++)
        {
            beta[cols[k]] = betaA[k];
        }

        return beta;
    }
}
