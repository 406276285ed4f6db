using BenchmarkDotNet.Running;

namespace Keel.Bench;

/// <summary>
/// Kernel benchmarks. Run by hand (a tiny run takes 10-25 s per benchmark):
///   dotnet run -c Release --project bench/Keel.Bench -- --filter '*Dot*'
///   dotnet run -c Release --project bench/Keel.Bench -- --filter '*' --job short
/// The end-to-end comparison with peers is bench/compare/run.sh.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (!ReproducibilityCost.TryRun(args))
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}
