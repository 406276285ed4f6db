// Reader of the NIST StRD linear least-squares files and builder of their designs.
//
// Source: NIST Statistical Reference Datasets, linear regression (files and provenance in
// ../shared/data/nist-strd/README.md). The header's "Certified Values (lines a to b)" and
// "Data (lines a to b)" give 1-based line numbers; this reader relies on them, accepts LF and
// CRLF, and takes the model from the certified parameters: B0 present means an intercept; one
// predictor means the polynomial 1, x, …, x^d; several predictors mean a linear model in them.
// Polynomial columns are x^k of the double x, formed in double-double and given to the solver
// as hi + lo (the README explains why rounding each power to double would cap Filip near 7.7).

using System.Globalization;
using System.Text.RegularExpressions;
using Keel.LinearAlgebra;
using Keel.Tests.TestSupport;

namespace Keel.Tests.Solvers.Direct;

/// <summary>One NIST StRD linear file: data as printed and the certified values.</summary>
internal sealed partial class NistStrdData
{
    private NistStrdData(string name, string[] yText, string[][] xText, bool intercept, int degree, double[] estimates, double[] deviations, double residualDeviation)
    {
        Name = name;
        YText = yText;
        XText = xText;
        Intercept = intercept;
        Degree = degree;
        CertifiedEstimates = estimates;
        CertifiedDeviations = deviations;
        CertifiedResidualDeviation = residualDeviation;
    }

    public string Name { get; }

    /// <summary>The response as printed, one string per observation.</summary>
    public string[] YText { get; }

    /// <summary>The predictors as printed, [observation][predictor].</summary>
    public string[][] XText { get; }

    public bool Intercept { get; }

    /// <summary>Polynomial degree for one predictor; 1 for the linear model in several predictors.</summary>
    public int Degree { get; }

    public double[] CertifiedEstimates { get; }

    public double[] CertifiedDeviations { get; }

    public double CertifiedResidualDeviation { get; }

    public int Observations => YText.Length;

    public int Parameters => CertifiedEstimates.Length;

    /// <summary>The folder shared/data/nist-strd, found by walking up from the test binaries.</summary>
    public static string Directory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "data", "nist-strd"), Path.Combine(dir.FullName, "..", "shared", "data", "nist-strd") })
            {
                if (System.IO.Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new DirectoryNotFoundException($"shared/data/nist-strd not found above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// The issue's minimum LREs per file (coefficients, standard deviations), shared by the kernel
    /// and the command-line tests so both hold the same bar.
    /// </summary>
    public static TheoryData<string, double, double> LreTargets { get; } = new()
    {
        { "Norris", 14.5, 14.0 },
        { "Pontius", 14.5, 14.0 },
        { "NoInt1", 14.5, 14.0 },
        { "NoInt2", 14.5, 14.0 },
        { "Filip", 13.5, 13.5 },
        { "Longley", 14.1, 14.0 },
        { "Wampler1", 14.5, 14.0 },
        { "Wampler2", 14.5, 14.0 },
        { "Wampler3", 14.5, 14.0 },
        { "Wampler4", 14.5, 14.0 },
        { "Wampler5", 14.5, 14.0 },
    };

    public static NistStrdData Load(string name)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Directory(), name + ".dat"));
        (int certifiedFirst, int certifiedLast) = LineRange(lines, "Certified Values");
        (int dataFirst, int dataLast) = LineRange(lines, "Data");

        var estimates = new List<double>();
        var deviations = new List<double>();
        bool intercept = false;
        double residualDeviation = double.NaN;
        for (int i = certifiedFirst - 1; i < certifiedLast; i++)
        {
            Match parameter = ParameterLine().Match(lines[i]);
            if (parameter.Success)
            {
                intercept |= parameter.Groups[1].Value == "0";
                estimates.Add(ParseDouble(parameter.Groups[2].Value));
                deviations.Add(ParseDouble(parameter.Groups[3].Value));
                continue;
            }

            Match sd = ResidualDeviationLine().Match(lines[i]);
            if (sd.Success)
            {
                residualDeviation = ParseDouble(sd.Groups[1].Value);
            }
        }

        var yText = new List<string>();
        var xText = new List<string[]>();
        for (int i = dataFirst - 1; i < dataLast; i++)
        {
            string[] fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            yText.Add(fields[0]);
            xText.Add(fields[1..]);
        }

        int predictors = xText[0].Length;
        int degree = predictors == 1 ? estimates.Count - (intercept ? 1 : 0) : 1;
        return new NistStrdData(name, [.. yText], [.. xText], intercept, degree, [.. estimates], [.. deviations], residualDeviation);
    }

    /// <summary>
    /// The design as double-double columns (hi, lo) and the response (hi, lo). With
    /// <paramref name="exactDecimals"/> false the printed values are first rounded to double, as
    /// a CSV reader gives them, and yLo is zero; with true they are carried in double-double
    /// (the printed decimal to about 32 digits). Polynomial powers are formed in double-double.
    /// </summary>
    public (DenseMatrix Hi, DenseMatrix Lo, double[] YHi, double[] YLo) Design(bool exactDecimals)
    {
        int m = Observations;
        var hi = new DenseMatrix(m, Parameters);
        var lo = new DenseMatrix(m, Parameters);
        var yHi = new double[m];
        var yLo = new double[m];
        for (int i = 0; i < m; i++)
        {
            DoubleDouble y = Value(YText[i], exactDecimals);
            yHi[i] = y.Hi;
            yLo[i] = y.Lo;
            int column = 0;
            if (Intercept)
            {
                hi[i, column++] = 1.0;
            }

            bool polynomial = XText[i].Length == 1;
            DoubleDouble x = polynomial ? Value(XText[i][0], exactDecimals) : DoubleDouble.Zero;
            DoubleDouble power = 1.0;
            for (int k = 0; k < (polynomial ? Degree : XText[i].Length); k++, column++)
            {
                power = polynomial ? DoubleDouble.Multiply(power, x) : Value(XText[i][k], exactDecimals);
                hi[i, column] = power.Hi;
                lo[i, column] = power.Lo;
            }
        }

        return (hi, lo, yHi, yLo);
    }

    /// <summary>
    /// The exact least-squares fit of the data rounded to double (powers of the double x formed
    /// exactly): the best any solver fed those doubles can do.
    /// </summary>
    public RationalFit ExactFitOfDoubleData()
    {
        int m = Observations;
        var columns = new Rational[Parameters][];
        var y = new Rational[m];
        for (int j = 0; j < Parameters; j++)
        {
            columns[j] = new Rational[m];
        }

        for (int i = 0; i < m; i++)
        {
            y[i] = Rational.FromDouble(ParseDouble(YText[i]));
            int column = 0;
            if (Intercept)
            {
                columns[column++][i] = Rational.One;
            }

            bool polynomial = XText[i].Length == 1;
            Rational x = polynomial ? Rational.FromDouble(ParseDouble(XText[i][0])) : Rational.Zero;
            Rational power = Rational.One;
            for (int k = 0; k < (polynomial ? Degree : XText[i].Length); k++, column++)
            {
                power = polynomial ? power * x : Rational.FromDouble(ParseDouble(XText[i][k]));
                columns[column][i] = power;
            }
        }

        return RationalLeastSquares.Fit(columns, y);
    }

    private static DoubleDouble Value(string text, bool exactDecimals)
    {
        if (!exactDecimals)
        {
            return ParseDouble(text);
        }

        Rational exact = Rational.Parse(text);
        double hi = exact.ToDouble();
        return new DoubleDouble(hi, (exact - Rational.FromDouble(hi)).ToDouble());
    }

    /// <summary>McCullough's log relative error, capped at 15 digits (and floored at 0).</summary>
    public static double Lre(double estimate, double certified)
    {
        double error = certified == 0 ? Math.Abs(estimate) : Math.Abs(estimate - certified) / Math.Abs(certified);
        return error == 0 ? 15.0 : Math.Clamp(-Math.Log10(error), 0.0, 15.0);
    }

    private static (int First, int Last) LineRange(string[] lines, string label)
    {
        var pattern = new Regex(Regex.Escape(label) + @"\s*\(lines\s+(\d+)\s+to\s+(\d+)\)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        foreach (string line in lines)
        {
            Match match = pattern.Match(line);
            if (match.Success)
            {
                return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
            }
        }

        throw new FormatException($"no '{label} (lines a to b)' in the header");
    }

    private static double ParseDouble(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*B(\d+)\s+(\S+)\s+(\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterLine();

    [GeneratedRegex(@"^\s*Standard Deviation\s+(\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ResidualDeviationLine();
}
