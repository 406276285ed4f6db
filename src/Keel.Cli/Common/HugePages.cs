using System.Globalization;
using System.Runtime.InteropServices;

namespace Keel.Cli.Common;

/// <summary>
/// Asks Linux to back the managed heap with transparent huge pages (madvise MADV_HUGEPAGE on the
/// collector's address-space reservation). Keel's passes touch hundreds of megabytes of fresh memory
/// (row buffers, the cells, the design, the solver's vectors); with 4 KiB pages each first touch is a
/// page fault, and on virtual machines a fault is expensive (on the 2-core benchmark VM, a fifth of
/// the row pass was the kernel's fault path). A 2 MiB page costs one fault for 512 small ones.
/// Where THP is "always" this changes nothing; where it is "madvise" (most distributions) it is what
/// makes THP apply; where it is "never", or on other systems, the call is skipped or fails harmlessly.
/// Only page sizes change: no value, result or bit depends on it. KEEL_HUGEPAGES=0 turns it off.
/// </summary>
internal static class HugePages
{
    private const int MadviseHugePage = 14;

    // The collector reserves its whole address range at start-up (regions); smaller anonymous
    // mappings are stacks and runtime data, left alone.
    private const ulong MinimumReservation = 256UL << 20;

    /// <summary>Advises every large private anonymous mapping of the process; returns the bytes advised.</summary>
    public static ulong AdviseManagedHeap()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("KEEL_HUGEPAGES") == "0")
        {
            return 0;
        }

        ulong advised = 0;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                // "start-end perms offset dev inode [path]": anonymous mappings have no path and inode 0.
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length != 5 || fields[4] != "0" || fields[1].Length < 4 || fields[1][3] != 'p')
                {
                    continue;
                }

                int dash = fields[0].IndexOf('-', StringComparison.Ordinal);
                ulong start = ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                ulong end = ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (end - start >= MinimumReservation && Madvise((nint)start, (nuint)(end - start), MadviseHugePage) == 0)
                {
                    advised += end - start;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException or FormatException)
        {
            // Best effort only: without the advice Keel runs the same, with small pages.
        }

        return advised;
    }

    // DllImport rather than LibraryImport: the signature is blittable, and the tool stays free of unsafe code.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054
}
