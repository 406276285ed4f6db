namespace Keel.Tests.TestSupport;

/// <summary>A CSV file in the temp folder, deleted on dispose.</summary>
internal sealed class TempCsv : IDisposable
{
    public TempCsv(string content, string extension = ".csv")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"keel-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(Path, content);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
