using System.Text;
using Keel.Data;

namespace Keel.Tests.Data;

/// <summary>A CSV that shrinks while read is an input error, never a shorter file read quietly.</summary>
public class ChangingInputTests
{
    [Fact]
    public void A_file_cut_at_a_line_end_while_read_is_an_error_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"keel-shrink-{Guid.NewGuid():N}.csv");
        var text = new StringBuilder("y,a\n");
        for (int i = 0; i < 100_000; i++)
        {
            text.Append(i).Append(",level").Append(i % 7).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
        try
        {
            using CsvSource source = CsvSource.Open(path);
            for (int i = 0; i < 10; i++)
            {
                Assert.True(source.Read());
            }

            // Cut after a whole line well past what the reader has buffered: every remaining line is
            // well-formed, so only the length check can tell.
            string content = File.ReadAllText(path);
            int cut = content.IndexOf('\n', 600_000) + 1;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                file.SetLength(cut);
            }

            var e = Assert.Throws<KeelInputException>(() =>
            {
                while (source.Read())
                {
                }
            });
            Assert.Equal($"{path}: the file ended at byte {cut:N0} of {content.Length:N0} (it changed while being read?)", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_whole_file_reads_to_its_end_without_complaint()
    {
        string path = Path.Combine(Path.GetTempPath(), $"keel-whole-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "y,a\n1,b\n2,c\n");
        try
        {
            using CsvSource source = CsvSource.Open(path);
            int rows = 0;
            while (source.Read())
            {
                rows++;
            }

            Assert.Equal(2, rows);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
