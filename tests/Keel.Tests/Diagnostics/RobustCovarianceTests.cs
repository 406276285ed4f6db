// HC1 and cluster-robust (CR1) standard errors from cells against the sandwich on the rows.
//
// Oracle: the expanded rows with MathNet: B = (X'WX)⁻¹, e = y − Xβ̂ from MathNet's own QR solve,
//   HC1 = n/(n−k)·B·(Σ_i w_i²e_i² x_i x_i')·B (MacKinnon & White 1985),
//   CR1 = G/(G−1)·(n−1)/(n−k)·B·(Σ_g s_g s_g')·B, s_g = Σ_{i∈g} w_i e_i x_i (Cameron & Miller 2015).
// Tolerance: both sides are accurate to about κ(X)²·u on these small, well-conditioned designs
// (κ < 100), so agreement to 1e-9 relative is a real check and leaves room.
using System.Globalization;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;
using Keel.Solvers;

namespace Keel.Tests.Diagnostics;

public class RobustCovarianceTests
{
    private sealed record Row(string A, int X, string G, double W, double Y);

    private static List<Row> Rows(int seed, int count = 400)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int a = rng.Next(3), x = rng.Next(4), g = rng.Next(7);
            // Heteroskedastic and cluster-correlated noise, so the robust errors differ from the classical ones.
            double y = 2 + a - (0.5 * x) + (0.3 * g) + ((1 + x) * 0.25 * rng.Next(-6, 7));
            return new Row($"A{a}", x, $"G{g}", 1 + rng.Next(3), y);
        }).ToList();
    }

    private static string Csv(IEnumerable<Row> rows) =>
        "a,x,g,w,y\n" + string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.A},{r.X},{r.G},{r.W},{r.Y}\n")));

    private static FitResult Fit(List<Row> rows, string formula, StandardErrorKind se, string? cluster, string? weights) =>
        CsvFit.Run(Csv(rows), new FitOptions { Formula = formula, Inputs = [], Solver = SolverChoice.Qr, StandardErrors = se, ClusterColumn = cluster, WeightColumn = weights }).Result;

    // Columns: (Intercept), a[A1], a[A2], x — treatment coding with A0 the reference.
    private static Matrix<double> Design(List<Row> rows) =>
        Matrix<double>.Build.Dense(rows.Count, 4, (i, j) => j switch
        {
            0 => 1.0,
            1 => rows[i].A == "A1" ? 1.0 : 0.0,
            2 => rows[i].A == "A2" ? 1.0 : 0.0,
            _ => rows[i].X,
        });

    private static double[] OracleStandardErrors(List<Row> rows, bool weighted, bool clustered)
    {
        Matrix<double> x = Design(rows);
        Vector<double> y = Vector<double>.Build.DenseOfEnumerable(rows.Select(r => r.Y));
        Vector<double> w = Vector<double>.Build.DenseOfEnumerable(rows.Select(r => weighted ? r.W : 1.0));
        Vector<double> sqrtW = w.PointwiseSqrt();
        Matrix<double> xw = Matrix<double>.Build.DiagonalOfDiagonalVector(sqrtW) * x;
        Vector<double> beta = xw.QR().Solve(y.PointwiseMultiply(sqrtW));
        Vector<double> e = y - (x * beta);
        Matrix<double> b = (xw.TransposeThisAndMultiply(xw)).Inverse();
        int n = rows.Count, k = x.ColumnCount;
        Matrix<double> meat = Matrix<double>.Build.Dense(k, k);
        double factor;
        if (clustered)
        {
            var groups = rows.Select((r, i) => (r.G, i)).GroupBy(t => t.G).ToList();
            foreach (var group in groups)
            {
                Vector<double> s = Vector<double>.Build.Dense(k);
                foreach (var (_, i) in group)
                {
                    s += x.Row(i) * (w[i] * e[i]);
                }

                meat += s.OuterProduct(s);
            }

            int g = groups.Count;
            factor = g / (g - 1.0) * (n - 1.0) / (n - k);
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                meat += x.Row(i).OuterProduct(x.Row(i)) * (w[i] * w[i] * e[i] * e[i]);
            }

            factor = n / (double)(n - k);
        }

        Matrix<double> v = b * meat * b * factor;
        return Enumerable.Range(0, k).Select(j => Math.Sqrt(v[j, j])).ToArray();
    }

    private static double[] Estimated(FitResult r) =>
        r.Coefficients.Where(c => c.Status == CoefficientStatus.Estimated).Select(c => c.StdError!.Value).ToArray();

    [Fact]
    public void Hc1_from_cells_equals_the_sandwich_on_the_rows()
    {
        var rows = Rows(21);
        FitResult fit = Fit(rows, "y ~ a + x", StandardErrorKind.Hc1, null, null);
        Assert.True(fit.Cells < rows.Count / 5, "the test needs many rows per cell");
        Assert.Equal("hc1", fit.StdErrorType);
        Numeric.AssertClose(OracleStandardErrors(rows, weighted: false, clustered: false), Estimated(fit), 1e-9);
        double[] classical = Estimated(Fit(rows, "y ~ a + x", StandardErrorKind.Classical, null, null));
        Assert.NotEqual(classical[3], Estimated(fit)[3], 3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cluster_robust_from_cells_equals_the_sandwich_on_the_rows_with_or_without_weights(bool weighted)
    {
        var rows = Rows(22);
        FitResult fit = Fit(rows, "y ~ a + x", StandardErrorKind.Classical, "g", weighted ? "w" : null);
        Assert.Equal("cluster(g)", fit.StdErrorType);
        Assert.Equal(7, fit.Clusters);
        Numeric.AssertClose(OracleStandardErrors(rows, weighted, clustered: true), Estimated(fit), 1e-9);
    }

    [Fact]
    public void Clustering_by_the_cluster_column_leaves_the_estimates_unchanged()
    {
        var rows = Rows(23);
        FitResult plain = Fit(rows, "y ~ a + x", StandardErrorKind.Classical, null, null);
        FitResult clustered = Fit(rows, "y ~ a + x", StandardErrorKind.Classical, "g", null);
        Numeric.AssertClose(
            plain.Coefficients.Select(c => c.Estimate ?? 0).ToArray(),
            clustered.Coefficients.Select(c => c.Estimate ?? 0).ToArray(),
            1e-13,
            1e-14);
        Numeric.AssertClose(plain.Rss!.Value, clustered.Rss!.Value, 1e-12);
    }

    [Fact]
    public void Hc1_with_weights_is_refused_with_the_reason()
    {
        var e = Assert.Throws<KeelInputException>(() => Fit(Rows(24), "y ~ a + x", StandardErrorKind.Hc1, null, "w"));
        Assert.Contains("--cluster", e.Message, StringComparison.Ordinal);
    }
}
