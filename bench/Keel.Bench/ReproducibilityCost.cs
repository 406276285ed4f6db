extern alias naive;

using System.Diagnostics;
using System.Globalization;
using Keel.Compression;
using Keel.Data;
using Keel.Model;
using Keel.Pipeline;
using Keel.Solvers;
using NaiveRowPass = naive::Keel.Bench.Naive.NaiveRowPass;

namespace Keel.Bench;

/// <summary>
/// The cost of reproducibility over a whole fit (issue 5): the real pipeline stages against a naive
/// variant in which the reproducible pieces are swapped for naive ones (bench/Keel.Bench.Naive: cell
/// sums by double `+=` instead of ExactSum, Math.Log instead of ElementaryFunctions.Log, Vector&lt;T&gt;
/// dots and norms instead of the fixed trees, the product's own solver sources linked unchanged).
///   Keel.Bench repro-cost FILE --formula "log(y) ~ C(c0) + ..." [--solver lsmr|qr] [--repeat 3]
/// Single thread. Each stage is timed by process CPU time (user + sys, robust to other processes'
/// load) and wall time; the minimum over the repeats is printed. Both solvers run on the same
/// (reproducible) design, so they do the same iterations and only the kernels differ. The
/// canonical ordering of cells (RowPass.Finish) is charged to the reproducible variant only.
/// </summary>
public static class ReproducibilityCost
{
    /// <summary>Runs the timing when <paramref name="args"/> starts with "repro-cost"; false otherwise.</summary>
    public static bool TryRun(string[] args)
    {
        if (args.Length >= 3 && args[0] == "log-calls")
        {
            LogCalls(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
            return true;
        }

        if (args.Length >= 2 && args[0] == "solve-threads")
        {
            SolveThreads(args[1], Option(args, "--formula") ?? throw new ArgumentException("--formula is required"));
            return true;
        }

        if (args.Length >= 1 && args[0] == "dot-cost")
        {
            DotCost();
            return true;
        }

        if (args.Length < 2 || args[0] != "repro-cost")
        {
            return false;
        }

        string path = args[1];
        string formulaText = Option(args, "--formula") ?? throw new ArgumentException("--formula is required");
        bool qr = Option(args, "--solver") == "qr";
        int repeat = int.Parse(Option(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        Formula formula = FormulaParser.Parse(formulaText);
        RowPassPlan plan = DesignBuilder.PlanFor(formula, null, false);
        var options = new FitOptions { Formula = formulaText, Inputs = [path], Threads = 1, Solver = qr ? SolverChoice.Qr : SolverChoice.Lsmr };

        var best = new Dictionary<string, (double Cpu, double Wall)>();
        void Keep(string stage, (double Cpu, double Wall) t) =>
            best[stage] = best.TryGetValue(stage, out var b) ? (Math.Min(b.Cpu, t.Cpu), Math.Min(b.Wall, t.Wall)) : t;

        double maxRelativeDifference = 0;
        int cells = 0, columns = 0;
        for (int r = 0; r < repeat; r++)
        {
            var pass = new RowPass(plan);
            Keep("row pass (parse, intern, cell sums, log)", Time(() =>
            {
                using CsvSource source = CsvSource.Open(path);
                pass.Add(source);
            }));
            CellTable table = null!;
            Keep("canonical order (reproducible only)", Time(() => table = pass.Finish()));

            var naivePass = new NaiveRowPass(plan);
            Keep("naive row pass", Time(() =>
            {
                using CsvSource source = CsvSource.Open(path);
                naivePass.Add(source);
            }));
            _ = naivePass.Finish();

            var splitPass = new NaiveRowPass(plan, exactSums: true);
            Keep("naive row pass with ExactSum and own Log", Time(() =>
            {
                using CsvSource source = CsvSource.Open(path);
                splitPass.Add(source);
            }));

            Design design = null!;
            Keep("design", Time(() => design = DesignBuilder.Build(formula, table)));
            cells = design.CellCount;
            columns = design.SolvedCount;

            LeastSquaresSolution real = null!;
            LeastSquaresSolution naiveSolution = null!;
            // Alternate which variant runs first, so neither always meets a cold cache or a pending GC.
            if (r % 2 == 0)
            {
            Keep("solve", Time(() => real = qr ? DenseSolve.Solve(design) : IterativeSolve.Solve(design, options.Iterative, default)));
            Keep("naive solve", Time(() => naiveSolution = qr
                ? naive::Keel.Solvers.DenseSolve.Solve(design)
                : naive::Keel.Solvers.IterativeSolve.Solve(design, options.Iterative, default)));
            }
            else
            {
            Keep("naive solve", Time(() => naiveSolution = qr
                ? naive::Keel.Solvers.DenseSolve.Solve(design)
                : naive::Keel.Solvers.IterativeSolve.Solve(design, options.Iterative, default)));
            Keep("solve", Time(() => real = qr ? DenseSolve.Solve(design) : IterativeSolve.Solve(design, options.Iterative, default)));
            }
            for (int j = 0; j < real.Coefficients.Length; j++)
            {
                double a = real.Coefficients[j], b = naiveSolution.Coefficients[j];
                if (double.IsFinite(a) && double.IsFinite(b) && a != b)
                {
                    maxRelativeDifference = Math.Max(maxRelativeDifference, Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-300));
                }
            }
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{Path.GetFileName(path)}: {cells} cells, {columns} columns, solver {(qr ? "qr" : "lsmr")}, min of {repeat} runs; CPU s (wall s)"));
        foreach (var (stage, t) in best)
        {
            Console.WriteLine(string.Create(inv, $"  {stage,-42} {t.Cpu,8:0.000} ({t.Wall:0.000})"));
        }

        double rowPass = best["row pass (parse, intern, cell sums, log)"].Cpu, canonical = best["canonical order (reproducible only)"].Cpu;
        double naiveRowPass = best["naive row pass"].Cpu, designCpu = best["design"].Cpu;
        double solve = best["solve"].Cpu, naiveSolve = best["naive solve"].Cpu;
        double whole = rowPass + canonical + designCpu + solve, naiveWhole = naiveRowPass + designCpu + naiveSolve;
        Console.WriteLine(string.Create(inv, $"  ratio row pass {rowPass / naiveRowPass:0.00}x, row pass + canonical order {(rowPass + canonical) / naiveRowPass:0.00}x, solve {solve / naiveSolve:0.00}x, whole fit {whole / naiveWhole:0.00}x ({whole:0.00} s against {naiveWhole:0.00} s CPU)"));
        Console.WriteLine(string.Create(inv, $"  largest relative difference of a coefficient, reproducible against naive solver: {maxRelativeDifference:0.0e0}"));
        return true;
    }

    // `log-calls VARIANT N`: N calls of one log over 4096 target-like values (prices 1..1000 with up
    // to 4 decimals), then the time per call. For instruction counts, run it under
    // valgrind --tool=callgrind with N and with 0 and divide the difference of the totals by N.
    private static void LogCalls(string variant, int calls)
    {
        var random = new Random(2);
        double[] x = Enumerable.Range(0, 4096).Select(_ => Math.Round(1 + (random.NextDouble() * 999), random.Next(0, 5))).ToArray();
        Func<double, double> log = variant switch
        {
            "keel" => Keel.LinearAlgebra.ElementaryFunctions.Log,
            "double-double" => Keel.LinearAlgebra.ElementaryFunctions.LogDoubleDouble,
            "math" => Math.Log,
            _ => throw new ArgumentException("variant: keel, double-double or math"),
        };
        double sink = 0;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++)
        {
            sink += log(x[i & 4095]);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variant}: {calls} calls, {watch.Elapsed.TotalNanoseconds / Math.Max(1, calls):0.0} ns per call (sum {sink:R})"));
    }

    // `solve-threads FILE --formula F`: the LSMR solve (rank step + iterations) at 1 and 2 threads,
    // alternately, three times each: CPU and wall per run, and whether the coefficients' bits agree.
    private static void SolveThreads(string path, string formulaText)
    {
        Formula formula = FormulaParser.Parse(formulaText);
        var pass = new RowPass(DesignBuilder.PlanFor(formula, null, false));
        using (CsvSource source = CsvSource.Open(path))
        {
            pass.Add(source);
        }

        Design design = DesignBuilder.Build(formula, pass.Finish());
        double[]? first = null;
        bool same = true;
        for (int r = 0; r < 6; r++)
        {
            int threads = 1 + (r % 2);
            var options = new FitOptions { Formula = formulaText, Inputs = [path], Threads = threads, Solver = SolverChoice.Lsmr };
            LeastSquaresSolution solution = null!;
            var (cpu, wall) = Time(() => solution = IterativeSolve.Solve(design, options.Iterative, default));
            first ??= solution.Coefficients;
            same &= first.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(solution.Coefficients.Select(BitConverter.DoubleToInt64Bits));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads {threads}: solve {cpu:0.000} s CPU, {wall:0.000} s wall, {solution.Iterations} iterations"));
        }

        Console.WriteLine(same ? "coefficients: the same bits at 1 and 2 threads" : "coefficients DIFFER between thread counts");
    }

    // ns per element of the dot products, for a few lengths (same data, warm caches).
    private static void DotCost()
    {
        var random = new Random(3);
        foreach (int n in new[] { 16, 146, 1000, 50_000, 1_000_000 })
        {
            double[] x = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
            double[] y = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
            int reps = Math.Max(1, 200_000_000 / n);
            double Measure(Func<double[], double[], double> dot)
            {
                double sink = 0;
                for (int r = 0; r < reps / 10; r++)
                {
                    sink += dot(x, y);
                }

                var watch = Stopwatch.StartNew();
                for (int r = 0; r < reps; r++)
                {
                    sink += dot(x, y);
                }

                GC.KeepAlive(sink);
                return watch.Elapsed.TotalNanoseconds / reps / n;
            }

            double dense = Measure((a, b) => Keel.LinearAlgebra.Kernels.PairwiseDot(a, b));
            double denseScalar = Measure((a, b) => Keel.LinearAlgebra.Kernels.PairwiseDotScalar(a, b));
            double tree = Measure((a, b) => Keel.LinearAlgebra.Kernels.Dot(a, b));
            double naiveDot = Measure((a, b) => naive::Keel.Solvers.Kernels.Dot(a, b));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"n = {n,9}: Kernels.PairwiseDot {dense:0.000} ns/elt (scalar lanes {denseScalar:0.000}), Kernels.Dot {tree:0.000}, naive Vector<T> {naiveDot:0.000}"));
        }
    }

    private static (double Cpu, double Wall) Time(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        process.Refresh();
        return ((process.TotalProcessorTime - cpu0).TotalSeconds, watch.Elapsed.TotalSeconds);
    }

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
