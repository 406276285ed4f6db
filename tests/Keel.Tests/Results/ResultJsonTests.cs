using System.Text.Json;
using Keel.Results;

namespace Keel.Tests.Results;

/// <summary>
/// Results with more than ResultJson.IndentedUpTo coefficients are written compactly, their
/// coefficients formatted in parallel blocks whose buffers are reused batch after batch. The check is
/// independent of the writer: the text is parsed back with System.Text.Json and every coefficient's
/// fields must be the ones written, in order, estimates bit for bit (shortest round-trip text). The
/// list mixes every status, null and present errors, names that need escaping, and one label of
/// 200,000 characters, so one block's buffer grows far past its first size and is then reused by
/// the following batches.
/// </summary>
public class ResultJsonTests
{
    [Theory]
    [InlineData(10_001)]
    [InlineData(25_000)]
    public void CompactCoefficients_ParseBackToTheListWritten(int count)
    {
        var random = new Random(count);
        string huge = new('x', 200_000);
        var coefficients = new List<CoefficientResult>(count);
        for (int i = 0; i < count; i++)
        {
            string level = i switch
            {
                7 => "quote \" backslash \\ tab \t",
                8 => "ünïcödé ✓ \U0001F600",
                4_000 => huge,  // inside the first batch: its buffer grows, later batches reuse it
                _ => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var status = (i % 97) switch
            {
                0 => CoefficientStatus.Reference,
                1 => CoefficientStatus.Aliased,
                _ => CoefficientStatus.Estimated,
            };
            double? estimate = status switch
            {
                CoefficientStatus.Reference => 0.0,
                CoefficientStatus.Aliased => null,
                _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)),
            };
            coefficients.Add(new CoefficientResult
            {
                Name = $"C(f)[{level}]",
                Term = "C(f)",
                Level = level,
                Estimate = estimate,
                StdError = status == CoefficientStatus.Estimated && i % 3 != 0 ? random.NextDouble() : null,
                Status = status,
                AliasedWith = status == CoefficientStatus.Aliased ? ["C(g)[a]", "C(g)[b]"] : null,
                AliasExplanation = status == CoefficientStatus.Aliased ? "C(f)[x] = C(g)[a] - C(g)[b]" : null,
            });
        }

        var result = new FitResult { Formula = "y ~ C(f)", SolverName = "lsmr", Coefficients = coefficients };
        using var stream = new MemoryStream();
        ResultJson.Write(result, stream);
        stream.Position = 0;
        using JsonDocument parsed = JsonDocument.Parse(stream);

        JsonElement[] written = [.. parsed.RootElement.GetProperty("coefficients").EnumerateArray()];
        Assert.Equal(count, written.Length);
        for (int i = 0; i < count; i++)
        {
            CoefficientResult c = coefficients[i];
            JsonElement e = written[i];
            Assert.Equal(c.Name, e.GetProperty("name").GetString());
            Assert.Equal(c.Term, e.GetProperty("term").GetString());
            Assert.Equal(c.Level, e.GetProperty("level").GetString());
            Assert.Equal(c.Status.ToString().ToLowerInvariant(), e.GetProperty("status").GetString());
            AssertNumber(c.Estimate, e.GetProperty("estimate"));
            AssertNumber(c.StdError, e.GetProperty("std_error"));
            if (c.AliasedWith is { } partners)
            {
                Assert.Equal(partners, e.GetProperty("aliased_with").EnumerateArray().Select(p => p.GetString()));
                Assert.Equal(c.AliasExplanation, e.GetProperty("explanation").GetString());
            }
            else
            {
                Assert.False(e.TryGetProperty("aliased_with", out _));
            }
        }

        // The compact form: no indentation anywhere in the coefficients' text.
        string text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.DoesNotContain("\n  ", text[text.IndexOf("\"coefficients\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    private static void AssertNumber(double? expected, JsonElement actual)
    {
        if (expected is { } v)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(actual.GetDouble()));
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, actual.ValueKind);
        }
    }
}
