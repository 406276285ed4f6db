using System.CommandLine;
using Keel.Cli.Common;
using Keel.Cli.Compress;
using Keel.Cli.Diagnose;
using Keel.Cli.Fit;
using Keel.Cli.Predict;
using Keel.Cli.Sql;

namespace Keel.Cli;

/// <summary>
/// The keel command. Exit codes (contract): 0 success, 1 the fit itself failed (a result is still
/// written), 2 bad usage or bad input, with a one-line message on stderr and never a stack trace.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        ulong advised = HugePages.AdviseManagedHeap();
        if (Environment.GetEnvironmentVariable("KEEL_TIMING") is not null && OperatingSystem.IsLinux())
        {
            // Profiling aid: how much of the heap the kernel backed with huge pages, read at exit.
            Console.Error.WriteLine($"keel timing: huge pages advised on {advised >> 20} MB of address space");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Error.WriteLine("keel timing: " + File.ReadLines("/proc/self/smaps_rollup").FirstOrDefault(l => l.StartsWith("AnonHuge", StringComparison.Ordinal)));
            // And how much of the process went to the JIT (methods not precompiled, or rejitted).
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Error.WriteLine($"keel timing: jit {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:0.000} s, {System.Runtime.JitInfo.GetCompiledILBytes() >> 10} KB of IL");
        }
        var root = new RootCommand("Keel: least squares for large, sparse, categorical data that does not capsize.");
        root.Subcommands.Add(FitCommand.Create());
        root.Subcommands.Add(DiagnoseCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(CompressCommand.Create());
        root.Subcommands.Add(SqlCommand.Create());
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"keel: {parsed.Errors[0].Message} (see keel --help)");
            return ExitCodes.BadInput;
        }

        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
