using System.Globalization;
using Keel.Pipeline;
using Keel.Results;
using Keel.Tests.TestSupport;
using Keel.Solvers;

namespace Keel.Tests.Results;

/// <summary>
/// Fit statistics of the summary and the per-combination table against R 4 (lm, anova against the
/// cell-means model lm(y ~ interaction(a, x)), predict(se.fit = TRUE)) on a small design with
/// replicated cells: 14 rows, 9 cells, 4 parameters. Every expected number is printed by
/// summary_cells_reference.R beside this file.
/// </summary>
public class SummaryAndCellsTests
{
    private const string Data = """
        a,x,y
        A,1,2.1
        A,2,3.9
        A,3,6.2
        B,1,3.0
        B,2,5.1
        B,4,9.2
        C,2,4.4
        C,3,7.1
        C,5,10.3
        A,2,4.2
        B,1,3.3
        C,5,10.9
        A,1,1.7
        C,3,6.6
        """;

    private static FitOutcome Fit(string csv = Data, string formula = "y ~ a + x") =>
        CsvFit.Run(csv, new FitOptions { Formula = formula, Inputs = [], Solver = SolverChoice.Qr, Threads = 1 });

    [Fact]
    public void Overall_and_lack_of_fit_F_tests_match_R()
    {
        FitResult r = Fit().Result;
        // The sums of squares are exact to about 1e-15; the p-values come from a continued
        // fraction good to about 1e-13 relative (display only), checked at 1e-9.
        FTest f = r.ModelF!;
        Assert.Equal((3L, 10L), (f.Df1, f.Df2));
        Numeric.AssertClose(556.32117116877714, f.F, 1e-12, 0, "F");
        Numeric.AssertClose(2.0239811860593901e-11, f.PValue, 1e-9, 0, "p of F");
        Numeric.AssertClose(0.99225712774850539, r.AdjRSquared!.Value, 1e-13, 0, "adjusted R²");

        FTest lack = r.LackOfFit!;
        Assert.Equal((5L, 5L), (lack.Df1, lack.Df2));
        Numeric.AssertClose(0.41426315789473894, lack.F, 1e-11, 0, "lack-of-fit F");
        Numeric.AssertClose(0.8221944925480974, lack.PValue, 1e-9, 0, "lack-of-fit p");
    }

    [Fact]
    public void Summary_reports_the_tests_and_formats_p_values_as_R_does()
    {
        string text = SummaryText.Render(Fit().Result, diagnoseOnly: false);
        Assert.Contains("F-statistic: 556.321 on 3 and 10 DF,  p-value: 2.02e-11", text, StringComparison.Ordinal);
        Assert.Contains("Lack of fit against the cell means: F = 0.414263 on 5 and 5 DF,  p-value: 0.822", text, StringComparison.Ordinal);
        Assert.Contains("Adjusted R-squared: 0.992257", text, StringComparison.Ordinal);
        Assert.Equal("< 2.2e-16", SignificanceTests.FormatP(1e-300));
        Assert.Equal("3.4e-05", SignificanceTests.FormatP(3.4e-5));
        Assert.Equal("0.0123", SignificanceTests.FormatP(0.012345));
        Assert.Equal("NA", SignificanceTests.FormatP(null));
        Assert.Equal(["***", "**", "*", ".", ""], new double?[] { 1e-5, 0.005, 0.02, 0.07, 0.5 }.Select(SignificanceTests.Stars));
    }

    [Fact]
    public void Lack_of_fit_is_not_tested_without_replicated_cells()
    {
        FitResult r = Fit("a,x,y\nA,1,1\nA,2,2.2\nB,1,2.9\nB,3,6.1\nC,2,4.2\nC,4,7.7\n").Result;
        Assert.Null(r.LackOfFit);
        Assert.Contains("Lack of fit: not testable", SummaryText.Render(r, diagnoseOnly: false), StringComparison.Ordinal);
    }

    [Fact]
    public void Cells_out_has_the_contract_columns_the_fitted_values_and_R_standard_errors()
    {
        FitOutcome outcome = Fit();
        string path = Path.Combine(Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}.csv");
        try
        {
            CellsOutput.Write(path, outcome.Design!, outcome.Solution!, outcome.FittedByCell!, outcome.Result.Sigma);
            string[] lines = File.ReadAllLines(path);
            Assert.Equal("a,x,n,mean,fitted,std_error,estimable", lines[0]);
            Assert.Equal(outcome.Result.Cells + 1, lines.Length);
            var rows = lines.Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0] + f[1]);
            for (int c = 0; c < outcome.Design!.CellCount; c++)
            {
                var cells = outcome.Design!.Cells;
                string[] row = rows[cells.KeyColumns[0].Labels[cells.Code(c, 0)] + cells.KeyColumns[1].Labels[cells.Code(c, 1)]];
                Assert.Equal(outcome.FittedByCell![c].ToString("R", CultureInfo.InvariantCulture), row[4]);
                Assert.Equal("true", row[6]);
            }

            Assert.Equal(["2", "4.05"], rows["A2"][2..4]);
            // R: predict(lm(y ~ a + x), se.fit = TRUE) at (A, 2), (B, 4), (C, 5).
            Numeric.AssertClose(0.11663380191865470, Parse(rows["A2"][5]), 1e-12, 0, "se A2");
            Numeric.AssertClose(0.18327233833833176, Parse(rows["B4"][5]), 1e-12, 0, "se B4");
            Numeric.AssertClose(0.14718948247072539, Parse(rows["C5"][5]), 1e-12, 0, "se C5");
        }
        finally
        {
            File.Delete(path);
        }

        static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }
}
