// ValueInterner keeps short ASCII values in a table of packed words and the rest in a dictionary:
// whichever way a value goes, one text must have one id, two texts two ids, and Values[id] the text.
using Keel.Compression;

namespace Keel.Tests.Compression;

public class ValueInternerTests
{
    [Fact]
    public void Every_text_has_one_id_whichever_table_holds_it()
    {
        var rng = new Random(5);
        string[] alphabet = ["a", "b", "0", "1", "9", " ", "\u007f", "é", "\u0000", "z"];
        var texts = new List<string> { "", "12345678", "123456789", "1", "01", "1.0" };
        for (int i = 0; i < 5000; i++)
        {
            // Lengths 1..12 around the 8-character limit, occasionally with a non-ASCII or NUL character.
            texts.Add(string.Concat(Enumerable.Range(0, 1 + rng.Next(12)).Select(_ => alphabet[rng.Next(rng.Next(20) == 0 ? alphabet.Length : 5)])));
        }

        var interner = new ValueInterner();
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 0; n < 40000; n++)
        {
            string text = texts[rng.Next(texts.Count)];
            int id = interner.Intern(text.AsSpan(), n + 10);
            if (idOf.TryGetValue(text, out int seen))
            {
                Assert.Equal(seen, id);
            }
            else
            {
                Assert.DoesNotContain(id, idOf.Values);
                idOf[text] = id;
            }

            Assert.Equal(text, interner.Values[id]);
        }

        // The merge entry finds the same ids and keeps the earliest line.
        foreach ((string text, int id) in idOf)
        {
            Assert.Equal(id, interner.Intern(text, 1));
            Assert.Equal(1, interner.FirstLine[id]);
        }

        Assert.Equal(idOf.Count, interner.Values.Count);
    }
}
