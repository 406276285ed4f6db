using BenchmarkDotNet.Running;

namespace Keel.Bench;

/// <summary>
/// Kernel benchmarks. Run by hand (a tiny run takes 10-25 s per benchmark):
///   dotnet run -c Release --project bench/Keel.Bench -- --filter '*Dot*'
///   dotnet run -c Release --project bench/Keel.Bench -- --filter '*' --job short
/// The end-to-end comparison with peers is bench/compare/run.sh; single-run row-pass timings
/// (Keel's pass, its stage split, DuckDB's GROUP BY) are in RowPassTiming.
/// The cost of reproducibility against a naive variant (whole fit, kernels, Log) is in ReproducibilityCost.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (!RowPassTiming.TryRun(args) && !ReproducibilityCost.TryRun(args))
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}
