using Keel.Data;

namespace Keel.Compression;

/// <summary>
/// keel fit CELLS --cells: reads one or more cells files (CSV or Parquet; files, folders, globs) and
/// merges them by exact addition of equal keys (<see cref="CellsFileMerger"/>).
/// </summary>
internal static class CellsFileReader
{
    public static CellTable Read(RowPassPlan plan, IReadOnlyList<string> inputs, CancellationToken cancel)
    {
        if (plan.WeightColumn is not null)
        {
            throw new KeelInputException($"--weights {plan.WeightColumn}: cells files already hold weighted sums; give --weights when compressing, not with --cells");
        }

        var merger = new CellsFileMerger(plan.KeyColumns);
        foreach (string file in InputResolver.Resolve(inputs))
        {
            using ITabularSource source = InputResolver.Open(file);
            merger.Add(source, cancel);
        }

        return merger.Finish();
    }
}
