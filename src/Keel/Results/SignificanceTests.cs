using System.Globalization;

namespace Keel.Results;

/// <summary>How p-values are shown to people (the result JSON keeps the numbers as they are).</summary>
internal static class SignificanceTests
{
    /// <summary>A p-value as R prints it: 3 significant digits, "&lt; 2.2e-16" below machine epsilon.</summary>
    public static string FormatP(double? p) => p switch
    {
        null => "NA",
        double x when double.IsNaN(x) => "NA",
        < 2.220446049250313e-16 => "< 2.2e-16",
        < 1e-4 => p.Value.ToString("0.##e-00", CultureInfo.InvariantCulture),
        double x => x.ToString("G3", CultureInfo.InvariantCulture),
    };

    /// <summary>R's significance codes: *** below 0.001, ** below 0.01, * below 0.05, . below 0.1.</summary>
    public static string Stars(double? p) => p switch
    {
        null => string.Empty,
        < 0.001 => "***",
        < 0.01 => "**",
        < 0.05 => "*",
        < 0.1 => ".",
        _ => string.Empty,
    };
}
