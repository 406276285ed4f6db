using System.Diagnostics;
using System.Text.RegularExpressions;
using Keel.Pipeline;
using Keel.Reporting;
using Keel.Tests.TestSupport;
using SkiaSharp;

namespace Keel.Tests.Reporting;

/// <summary>The report of a fit on the bundled example, made once for the tests of this class.</summary>
public sealed class ExampleReport
{
    public ExampleReport()
    {
        string example = Path.Combine(KeelProcess.RepositoryRoot(), "examples", "sales.csv");
        FitOutcome outcome = FitPipeline.Run(new FitOptions
        {
            Formula = "log(revenue) ~ region + city + product + C(month) + discount",
            Inputs = [example],
            Threads = 1,
        });
        Html = HtmlReport.Render(new ReportInput(outcome.Result, outcome.Design!, outcome.Solution, outcome.FittedByCell));
    }

    public string Html { get; }
}

public partial class HtmlReportTests : IClassFixture<ExampleReport>
{
    private readonly string _html;

    public HtmlReportTests(ExampleReport report)
    {
        _html = report.Html;
    }

    [GeneratedRegex("<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex EmbeddedPng();

    [Fact]
    public void Report_is_one_file_with_every_plot_embedded_and_nothing_from_the_network()
    {
        var images = EmbeddedPng().Matches(_html).Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        // Coefficients of region, city, product, C(month) and the continuous term; condition
        // indexes; residuals; counts of region, city, product and C(month).
        Assert.Equal(11, images.Count);
        Assert.Equal(images.Count, Regex.Count(_html, "<img "));
        foreach (byte[] png in images)
        {
            using SKBitmap bitmap = SKBitmap.Decode(png);
            Assert.Equal(ReportPlots.Width, bitmap.Width);
            Assert.Equal(ReportPlots.Height, bitmap.Height);
        }

        Assert.DoesNotContain("http://", _html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", _html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", _html, StringComparison.Ordinal);
        Assert.Contains("ALIASED", _html, StringComparison.Ordinal);
        Assert.Contains("region[R2] = city[C02]", _html, StringComparison.Ordinal);
        Assert.Contains("Lack of fit", _html, StringComparison.Ordinal);
    }

    [Fact]
    public void Plots_use_the_shipped_font()
    {
        ReportFont.Register();
        using SKTypeface typeface = ScottPlot.Fonts.GetTypeface(ReportFont.Name, bold: false, italic: false);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
    }

    [Fact]
    public void Headless_chromium_renders_the_report_with_its_images()
    {
        string chromium = FindChromium() ?? throw new InvalidOperationException("chromium not found: install Debian's chromium package (apt-get install -y chromium; .ci/run does)");
        string folder = Path.Combine(Path.GetTempPath(), $"keel-report-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            // A copy with a probe counting the images the browser actually decoded; the report itself has no script.
            string probe = "<script>window.addEventListener('load', () => document.body.setAttribute('data-decoded', [...document.images].filter(i => i.complete && i.naturalWidth > 0).length));</script>";
            string page = Path.Combine(folder, "report.html");
            File.WriteAllText(page, _html.Replace("</body>", probe + "</body>", StringComparison.Ordinal));
            int images = EmbeddedPng().Count(_html);

            string dom = RunChromium(chromium, folder, "--dump-dom", page);
            Assert.Contains($"data-decoded=\"{images}\"", dom, StringComparison.Ordinal);

            string screenshot = Path.Combine(Path.GetTempPath(), "keel-report-screenshot.png");
            File.Delete(screenshot);
            RunChromium(chromium, folder, $"--screenshot={screenshot}", page, "--window-size=1100,3000");
            using SKBitmap shot = SKBitmap.Decode(screenshot);
            Assert.Equal(1100, shot.Width);
            // Text and plots: a fair share of the page is not background.
            int inked = 0, total = 0;
            for (int y = 0; y < shot.Height; y += 4)
            {
                for (int x = 0; x < shot.Width; x += 4)
                {
                    SKColor c = shot.GetPixel(x, y);
                    inked += c.Red + c.Green + c.Blue < 600 ? 1 : 0;
                    total++;
                }
            }

            Assert.True(inked > total / 50, $"the screenshot {screenshot} is nearly blank ({inked} of {total} sampled pixels inked)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? FindChromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    private static string RunChromium(string chromium, string folder, string action, string page, string? extra = null)
    {
        var info = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string flag in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", $"--user-data-dir={Path.Combine(folder, "profile")}", action })
        {
            info.ArgumentList.Add(flag);
        }

        if (extra is not null)
        {
            info.ArgumentList.Add(extra);
        }

        info.ArgumentList.Add(new Uri(page).AbsoluteUri);
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        ChildProcess.WaitOrKill(process, TimeSpan.FromMinutes(3), "chromium");

        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
