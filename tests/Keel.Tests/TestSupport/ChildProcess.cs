using System.Diagnostics;

namespace Keel.Tests.TestSupport;

/// <summary>
/// Every child process a test starts is waited for with a time limit: one hung child must fail its
/// test, not hang the run (and CI).
/// </summary>
internal static class ChildProcess
{
    /// <summary>
    /// Waits for <paramref name="process"/> to exit; past <paramref name="limit"/> kills it with its
    /// own children and fails the test naming <paramref name="what"/>.
    /// </summary>
    public static void WaitOrKill(Process process, TimeSpan limit, string what)
    {
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{what}: still running after {limit}; killed");
        }

        // The parameterless wait also waits for the redirected streams to reach their end.
        process.WaitForExit();
    }
}
