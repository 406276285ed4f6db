namespace Keel.Compression;

/// <summary>
/// Gives each distinct text value of one column a dense id in first-seen order, looking up
/// spans without allocating (a string is made once per distinct value, never per row).
/// The ids are provisional: <see cref="CellCanonicalizer"/> renumbers them in canonical order.
/// Short values (1 to 8 characters in U+0001..U+007F: codes, small integers, most category
/// labels) are packed into one 64-bit word, one byte a character, and found in an open-addressing
/// table of words; that costs one multiply and, in the common case, one probe, where a dictionary of
/// strings hashes and compares characters. Other values use the dictionary. Which way a value goes
/// depends only on its text, so every value has exactly one id either way.
/// </summary>
internal sealed class ValueInterner
{
    private ulong[] _words = new ulong[64];
    private int[] _wordIds = new int[64];
    private int _wordCount;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _values = [];
    private readonly List<long> _firstLine = [];

    public ValueInterner()
    {
        Array.Fill(_wordIds, -1);
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Distinct values in first-seen order.</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>The line each value was first seen on.</summary>
    public IReadOnlyList<long> FirstLine => _firstLine;

    /// <summary>The id of <paramref name="value"/>, interning it when new.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public int Intern(ReadOnlySpan<char> value, long line)
    {
        if (TryPack(value, out ulong word))
        {
            int slot = FindWord(word);
            return _wordIds[slot] >= 0 ? _wordIds[slot] : AddWord(slot, word, value.ToString(), line);
        }

        if (_lookup.TryGetValue(value, out int id))
        {
            return id;
        }

        return Add(value.ToString(), line);
    }

    /// <summary>
    /// The id of the value whose UTF-8 bytes are <paramref name="utf8"/> (valid UTF-8), interning it
    /// when new: the same id <see cref="Intern(ReadOnlySpan{char}, long)"/> gives its UTF-16 text. A
    /// short ASCII value packs into the same word from its bytes; any other is decoded first.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public int Intern(ReadOnlySpan<byte> utf8, long line)
    {
        if (TryPack(utf8, out ulong word))
        {
            int slot = FindWord(word);
            return _wordIds[slot] >= 0 ? _wordIds[slot] : AddWord(slot, word, System.Text.Encoding.UTF8.GetString(utf8), line);
        }

        return InternDecoded(utf8, line);
    }

    private int InternDecoded(ReadOnlySpan<byte> utf8, long line)
    {
        if (utf8.Length > 256)
        {
            return Intern(System.Text.Encoding.UTF8.GetString(utf8).AsSpan(), line);
        }

        Span<char> text = stackalloc char[256];
        int length = System.Text.Encoding.UTF8.GetChars(utf8, text);
        return Intern(text[..length], line);
    }

    /// <summary>Interns a value seen first on <paramref name="line"/> elsewhere (merging another pass): keeps the earliest line.</summary>
    public int Intern(string value, long line)
    {
        int id;
        if (TryPack(value.AsSpan(), out ulong word))
        {
            int slot = FindWord(word);
            if (_wordIds[slot] < 0)
            {
                return AddWord(slot, word, value, line);
            }

            id = _wordIds[slot];
        }
        else if (!_ids.TryGetValue(value, out id))
        {
            return Add(value, line);
        }

        _firstLine[id] = Math.Min(_firstLine[id], line);
        return id;
    }

    // A value of 1..8 characters in U+0001..U+007F as one word, character i in byte i (no character
    // is zero, so the word also fixes the length).
    // The same for UTF-8 bytes and UTF-16 characters: ASCII byte i is character i, so both give one word.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool TryPack<T>(ReadOnlySpan<T> value, out ulong word)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        word = 0;
        if (value.Length is 0 or > 8)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            uint c = uint.CreateTruncating(value[i]);
            if (c - 1 >= 0x7F)
            {
                return false;
            }

            word |= (ulong)c << (8 * i);
        }

        return true;
    }

    // The slot holding word, or the empty slot (id −1) where it would go. Fibonacci hashing
    // (Knuth, TAOCP vol. 3, 6.4) spreads words that differ only in their low bytes.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private int FindWord(ulong word)
    {
        int mask = _words.Length - 1;
        int slot = (int)((word * 0x9E3779B97F4A7C15UL) >> 32) & mask;
        while (true)
        {
            int id = _wordIds[slot];
            if (id < 0 || _words[slot] == word)
            {
                return slot;
            }

            slot = (slot + 1) & mask;
        }
    }

    private int AddWord(int slot, ulong word, string text, long line)
    {
        int id = Add(text, line, inDictionary: false);
        _words[slot] = word;
        _wordIds[slot] = id;
        if (++_wordCount * 2 > _words.Length)
        {
            // Keep the load at most 1/2: rehash every word into a table twice the size.
            ulong[] words = _words;
            int[] ids = _wordIds;
            _words = new ulong[words.Length * 2];
            _wordIds = new int[words.Length * 2];
            Array.Fill(_wordIds, -1);
            for (int s = 0; s < words.Length; s++)
            {
                if (ids[s] >= 0)
                {
                    int to = FindWord(words[s]);
                    _words[to] = words[s];
                    _wordIds[to] = ids[s];
                }
            }
        }

        return id;
    }

    private int Add(string text, long line, bool inDictionary = true)
    {
        int id = _values.Count;
        if (inDictionary)
        {
            _ids.Add(text, id);
        }

        _values.Add(text);
        _firstLine.Add(line);
        return id;
    }
}
