// Fits the bundled sales example with the Keel package and prints the summary and, for each
// coefficient the data cannot identify, why. Usage: dotnet run -- [path/to/sales.csv]
using Keel;

string path = args.Length > 0 ? args[0] : Path.Combine("..", "..", "examples", "sales.csv");

RegressionResult result = KeelRegression.Fit(path, "log(revenue) ~ region + city + product + C(month) + discount");
Console.WriteLine(result.Summary());

Console.WriteLine("Aliasing (cities are nested in regions, so the data cannot tell a region from its cities):");
foreach (Coefficient c in result.Coefficients.Where(c => c.Status == CoefficientStatus.Aliased))
{
    Console.WriteLine($"  {c.AliasExplanation}");
}

Console.WriteLine($"R-squared {result.Statistics?.RSquared:G6}, fingerprint {result.Fingerprint}");
