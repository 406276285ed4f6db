// Ridge, lasso and elastic net on cells against independent oracles on the rows.
//
// Oracles: (1) the optimality (KKT) conditions and the closed form on the active set, evaluated
// on the expanded rows with MathNet (RowElasticNet); (2) the closed forms for disjoint indicator
// columns (y ~ 0 + a): lasso β_g = S(ω_g ȳ_g, λ)/ω_g, ridge β_g = ω_g ȳ_g/(ω_g + λ), ω_g = w_g/W;
// (3) the dense QR least-squares fit for λ → 0.
// Tolerances: the coordinate descent is run to Tolerance 1e-24 (a mean-square change of 1e-24 of
// the response variance, i.e. coefficients settled to about 1e-12 of its scale); the oracles are
// solved by LU/QR on well-conditioned (κ < 1e3) Gram matrices, so 1e-9 relative leaves ample room.
using Keel.Model;
using Keel.Pipeline;
using Keel.Results;
using Keel.Solvers;
using Keel.Solvers.Iterative;
using Keel.Solvers.Penalized;
using Keel.Tests.TestSupport;
using MathNet.Numerics.LinearAlgebra;

namespace Keel.Tests.Solvers.Penalized;

public class PenalizedTests
{
    private static readonly PenalizedOptions Tight = new() { Tolerance = 1e-24 };

    private static LeastSquaresSolution Fit(Design design, PenaltyKind kind, double? lambda, double alpha = 1.0, PenalizedOptions? options = null, bool dense = true) =>
        PenalizedSolve.Solve(design, kind, (options ?? Tight) with { Lambda = lambda, Alpha = alpha }, dense, LsmrOptions.Default with { Atol = 1e-14, Btol = 1e-14 }, default);

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(1.0, 0.1)]
    [InlineData(1.0, 0.01)]
    [InlineData(0.5, 0.2)]
    [InlineData(0.5, 0.005)]
    public void Lasso_and_elastic_net_match_the_closed_form_on_their_active_set_and_the_KKT_conditions_on_the_rows(double alpha, double fractionOfLambdaMax)
    {
        var rows = PenalizedTestData.Rows(11);
        Design design = PenalizedTestData.DesignOf(PenalizedTestData.Csv(rows));
        double lambdaMax = Fit(design, PenaltyKind.ElasticNet, 1e300, alpha).Penalty!.LambdaMax;
        double lambda = fractionOfLambdaMax * lambdaMax;
        LeastSquaresSolution fit = Fit(design, PenaltyKind.ElasticNet, lambda, alpha);
        Assert.True(fit.Converged);

        var expanded = PenalizedTestData.Expanded(rows);
        var oracle = new RowElasticNet(
            PenalizedTestData.RowDesign(expanded, design),
            Vector<double>.Build.DenseOfEnumerable(expanded.Select(r => r.Y)),
            Vector<double>.Build.Dense(expanded.Count, 1.0),
            fit.PenalizedColumns!,
            lambda,
            alpha);
        bool[] active = fit.Coefficients.Select((b, j) => b != 0 || !fit.PenalizedColumns![j]).ToArray();
        int[] sign = fit.Coefficients.Select(b => Math.Sign(b)).ToArray();
        Vector<double> closed = oracle.ClosedForm(active, sign);

        double scale = closed.AbsoluteMaximum();
        Numeric.AssertClose(closed.ToArray(), fit.Coefficients, 1e-9, 1e-9 * scale, "closed form on Keel's active set");
        Assert.True(oracle.KktViolation(closed) <= 1e-10 * lambdaMax, $"the active set is not optimal: KKT violation {oracle.KktViolation(closed):G3}");
        Assert.True(oracle.KktViolation(Vector<double>.Build.DenseOfArray(fit.Coefficients)) <= 1e-8 * lambdaMax);
    }

    [Fact]
    public void Lambda_max_is_the_first_lambda_with_every_penalised_coefficient_zero()
    {
        Design design = PenalizedTestData.DesignOf(PenalizedTestData.Csv(PenalizedTestData.Rows(12)));
        double lambdaMax = Fit(design, PenaltyKind.Lasso, 1e300).Penalty!.LambdaMax;
        LeastSquaresSolution at = Fit(design, PenaltyKind.Lasso, lambdaMax);
        LeastSquaresSolution below = Fit(design, PenaltyKind.Lasso, lambdaMax * (1 - 1e-6));
        Assert.All(at.Coefficients.Where((_, j) => at.PenalizedColumns![j]), b => Assert.Equal(0.0, b));
        Assert.Contains(below.Coefficients.Where((_, j) => below.PenalizedColumns![j]), b => b != 0);
    }

    [Fact]
    public void Disjoint_indicators_give_the_closed_forms_with_weights()
    {
        var rows = PenalizedTestData.Rows(13);
        Design design = PenalizedTestData.DesignOf(PenalizedTestData.Csv(rows), "y ~ 0 + a");
        double total = rows.Sum(r => r.W);
        string[] names = design.ColumnOfSolved.Select(i => design.Columns[i].Name).ToArray();
        foreach (double lambda in new[] { 0.05, 0.3, 1.0 })
        {
            double[] lasso = Fit(design, PenaltyKind.Lasso, lambda).Coefficients;
            double[] ridge = Fit(design, PenaltyKind.Ridge, lambda).Coefficients;
            for (int j = 0; j < names.Length; j++)
            {
                var group = rows.Where(r => $"a[{r.A}]" == names[j]).ToList();
                double omega = group.Sum(r => r.W) / total;
                double omegaMean = group.Sum(r => r.W * r.Y) / total;
                double soft = Math.Sign(omegaMean) * Math.Max(Math.Abs(omegaMean) - lambda, 0);
                Numeric.AssertClose(soft / omega, lasso[j], 1e-12, 1e-12, $"lasso {names[j]} at λ {lambda}");
                Numeric.AssertClose(omegaMean / (omega + lambda), ridge[j], 1e-12, 1e-14, $"ridge {names[j]} at λ {lambda}");
            }
        }
    }

    [Fact]
    public void Weighted_rows_and_their_expansion_give_the_same_path_and_the_same_cross_validation()
    {
        var rows = PenalizedTestData.Rows(14);
        Design weighted = PenalizedTestData.DesignOf(PenalizedTestData.Csv(rows));
        Design expanded = PenalizedTestData.DesignOf(PenalizedTestData.Csv(PenalizedTestData.Expanded(rows)));
        Assert.True(expanded.Cells.Counts.RowsUsed > weighted.Cells.Counts.RowsUsed);
        double lambdaMax = Fit(weighted, PenaltyKind.Lasso, 1e300).Penalty!.LambdaMax;
        Numeric.AssertClose(lambdaMax, Fit(expanded, PenaltyKind.Lasso, 1e300).Penalty!.LambdaMax, 1e-14);
        foreach (double fraction in new[] { 0.7, 0.2, 0.05, 0.01, 0.001 })
        {
            foreach (PenaltyKind kind in new[] { PenaltyKind.Lasso, PenaltyKind.Ridge })
            {
                double[] a = Fit(weighted, kind, fraction * lambdaMax).Coefficients;
                double[] b = Fit(expanded, kind, fraction * lambdaMax).Coefficients;
                Numeric.AssertClose(a, b, 1e-10, 1e-12, $"{kind} at {fraction}·λ_max");
            }
        }

        PenaltyReport cvWeighted = Fit(weighted, PenaltyKind.Lasso, null, options: new PenalizedOptions { Folds = 5 }).Penalty!;
        PenaltyReport cvExpanded = Fit(expanded, PenaltyKind.Lasso, null, options: new PenalizedOptions { Folds = 5 }).Penalty!;
        Assert.Equal(cvWeighted.Lambda, cvExpanded.Lambda, 12);
    }

    [Fact]
    public void Ridge_tends_to_least_squares_of_the_identified_coefficients_as_lambda_goes_to_zero()
    {
        // x2 = 2x is aliased: only β_x + 2β_x2 is identified; every other coefficient is.
        var rows = PenalizedTestData.Rows(15);
        string csv = "a,b,x,x2,w,y\n" + string.Concat(rows.Select(r => FormattableString.Invariant($"{r.A},{r.B},{r.X},{2 * r.X},{r.W},{r.Y}\n")));
        Design design = PenalizedTestData.DesignOf(csv, "y ~ a + b + x + x2");
        LeastSquaresSolution ols = DenseSolve.Solve(design);
        string[] names = design.ColumnOfSolved.Select(i => design.Columns[i].Name).ToArray();
        int x = Array.IndexOf(names, "x"), x2 = Array.IndexOf(names, "x2");
        Assert.True(ols.Aliased[x2]);
        double previousError = double.PositiveInfinity;
        foreach (double lambda in new[] { 1e-2, 1e-4, 1e-6, 1e-8 })
        {
            double[] ridge = Fit(design, PenaltyKind.Ridge, lambda).Coefficients;
            double error = 0;
            for (int j = 0; j < names.Length; j++)
            {
                double identified = j == x ? ridge[x] + (2 * ridge[x2]) : ridge[j];
                error = j == x2 ? error : Math.Max(error, Math.Abs(identified - ols.Coefficients[j]));
            }

            // The ridge bias is O(λ): each hundredfold step in λ takes about two digits off the error.
            Assert.True(error < previousError / 50 || error < 1e-10, $"λ {lambda}: error {error:G3} after {previousError:G3}");
            previousError = error;
        }

        Assert.True(previousError < 1e-6, $"ridge at λ 1e-8 is {previousError:G3} from OLS");
    }

    [Fact]
    public void Ridge_by_dense_QR_and_by_LSMR_on_the_augmented_operator_agree()
    {
        Design design = PenalizedTestData.DesignOf(PenalizedTestData.Csv(PenalizedTestData.Rows(16)));
        foreach (double lambda in new[] { 1e-3, 0.1, 3.0 })
        {
            double[] qr = Fit(design, PenaltyKind.Ridge, lambda, dense: true).Coefficients;
            LeastSquaresSolution lsmr = Fit(design, PenaltyKind.Ridge, lambda, dense: false);
            Assert.True(lsmr.Converged);
            Numeric.AssertClose(qr, lsmr.Coefficients, 1e-9, 1e-11, $"λ {lambda}");
        }
    }

    [Fact]
    public void Folds_are_balanced_and_depend_only_on_the_seed()
    {
        int[] a = FoldAssignment.FoldOfCell(103, 10, 7);
        Assert.Equal(a, FoldAssignment.FoldOfCell(103, 10, 7));
        Assert.NotEqual(a, FoldAssignment.FoldOfCell(103, 10, 8));
        var sizes = a.GroupBy(f => f).Select(g => g.Count()).ToList();
        Assert.Equal(10, sizes.Count);
        Assert.True(sizes.Max() - sizes.Min() <= 1);
        Assert.Throws<KeelInputException>(() => FoldAssignment.FoldOfCell(5, 10, 0));
    }

    [Fact]
    public void Cross_validation_is_reproducible_and_the_pipeline_reports_regularized_coefficients()
    {
        var rows = PenalizedTestData.Rows(17);
        using var file = new TempCsv(PenalizedTestData.Csv(rows));
        FitOptions options = new()
        {
            Formula = PenalizedTestData.Formula,
            Inputs = [file.Path],
            WeightColumn = "w",
            Solver = SolverChoice.ElasticNet,
            Penalized = new PenalizedOptions { Alpha = 0.5, Folds = 4, Seed = 3 },
        };
        FitResult first = FitPipeline.Run(options).Result;
        FitResult second = FitPipeline.Run(options).Result;
        Assert.Equal(Fingerprint.Of(first.Coefficients.Select(c => c.Estimate)), Fingerprint.Of(second.Coefficients.Select(c => c.Estimate)));
        Assert.Equal("elasticnet", first.SolverName);
        Assert.Equal(4, first.Penalty!.Folds);
        Assert.Equal(CoefficientStatus.Estimated, first.Coefficients.Single(c => c.Name == "(Intercept)").Status);
        Assert.All(first.Coefficients.Where(c => c.Name != "(Intercept)" && c.Status != CoefficientStatus.Reference), c =>
        {
            Assert.Equal(CoefficientStatus.Regularized, c.Status);
            Assert.Null(c.StdError);
        });
        Assert.Contains(first.Warnings, w => w.Code == WarningCodes.Penalized);
        Assert.True(first.Penalty.CvError > 0 && first.Penalty.LambdaOneStandardError >= first.Penalty.Lambda);
    }
}
