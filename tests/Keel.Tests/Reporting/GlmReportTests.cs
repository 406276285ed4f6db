using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Keel.Pipeline;
using Keel.Reporting;
using Keel.Results;
using Keel.Solvers.Glm;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Reporting;

/// <summary>
/// The report of a poisson fit (glm_data.csv, whose numbers R's glm gives in glm_reference.R):
/// the likelihood's facts instead of R² and F (the rows' deviance 433.2093220307, R's), the GLM's
/// coefficient table with each rate ratio exp(estimate), z = estimate/se and its normal p, and a
/// deviance-residual plot instead of the least-squares residuals; and the CLI writes it.
/// </summary>
public partial class GlmReportTests
{
    private static string Data(string name) => Path.Combine(KeelProcess.RepositoryRoot(), "tests", "Keel.Tests", "Solvers", "Glm", name);

    [GeneratedRegex("<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>")]
    private static partial Regex TableRow();

    [Fact]
    public void Poisson_report_has_the_deviances_the_rate_ratios_and_deviance_residuals()
    {
        FitOutcome outcome = FitPipeline.Run(new FitOptions { Formula = "y ~ a + b", Inputs = [Data("glm_data.csv")], Family = GlmFamily.Poisson, Threads = 1, NeedsCells = true });
        string html = HtmlReport.Render(new ReportInput(outcome.Result, outcome.Design!, outcome.Solution, outcome.FittedByCell));

        Assert.Contains("poisson regression, log link", html, StringComparison.Ordinal);
        // R: glm(y ~ a + b, poisson) deviance 433.20932203069992 on 394 df, null 657.33221991576318 on 399.
        Assert.Contains("<tr><th>Residual deviance</th><td>433.209322 on 394 degrees of freedom (of the rows)</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th>Null deviance</th><td>657.3322199 on 399 degrees of freedom</td></tr>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("R² / adjusted R²", html, StringComparison.Ordinal);

        var rows = TableRow().Matches(html).Select(m => m.Groups.Values.Skip(1).Select(g => WebUtility.HtmlDecode(g.Value)).ToArray()).ToList();
        Assert.Equal(outcome.Result.Coefficients.Count, rows.Count);
        int checkedRows = 0;
        foreach (string[] row in rows.Where(r => r[6] == "estimated"))
        {
            double estimate = double.Parse(row[1], CultureInfo.InvariantCulture);
            double ratio = double.Parse(row[2], CultureInfo.InvariantCulture);
            double se = double.Parse(row[3], CultureInfo.InvariantCulture);
            double z = double.Parse(row[4], CultureInfo.InvariantCulture);
            // Printed to 6 significant digits (z to 2 decimals): the relations hold to that precision.
            Numeric.AssertClose(Math.Exp(estimate), ratio, 2e-5, what: $"{row[0]} rate ratio");
            Assert.True(Math.Abs((estimate / se) - z) <= 0.01 + (1e-5 * Math.Abs(z)), $"{row[0]}: z {z}, estimate/se {estimate / se}");
            checkedRows++;
        }

        Assert.Equal(6, checkedRows); // intercept, a2..a4, b2, b3: R's six coefficients
        Assert.Contains("alt=\"Deviance residuals vs fitted\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("alt=\"Residuals vs fitted\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_CLI_writes_a_poisson_report_and_still_refuses_shrinkage()
    {
        string report = Path.Combine(Path.GetTempPath(), $"keel-glm-report-{Guid.NewGuid():N}.html");
        try
        {
            var run = KeelProcess.Run(["fit", Data("glm_data.csv"), "--formula", "y ~ a + b", "--family", "poisson", "--report", report, "--quiet"]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("Deviance residuals vs fitted", File.ReadAllText(report), StringComparison.Ordinal);
            var shrink = KeelProcess.Run(["fit", Data("glm_data.csv"), "--formula", "y ~ a + b", "--family", "poisson", "--shrink", "cells", "--quiet"]);
            Assert.Equal(2, shrink.ExitCode);
            Assert.Contains("--shrink is not available", shrink.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(report);
        }
    }
}
