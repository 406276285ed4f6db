namespace Keel.Compression;

/// <summary>
/// Open-addressing hash table from a fixed-width key of int codes to a dense cell index, with the
/// keys stored in one growing arena (no allocation per row or per cell).
/// Invariant: cell i's key is KeyArena[i*width .. (i+1)*width); slots hold cell index + 1 (0 = empty);
/// load factor at most 1/2, so linear probing stays short.
/// </summary>
internal sealed class CellHashTable
{
    private readonly int _width;
    private int[] _slots;
    private int _mask;
    private int[] _keyArena;

    public CellHashTable(int width, int initialCapacity = 1024)
    {
        _width = width;
        int capacity = 16;
        while (capacity < initialCapacity * 2)
        {
            capacity <<= 1;
        }

        _slots = new int[capacity];
        _mask = capacity - 1;
        _keyArena = new int[Math.Max(1, initialCapacity * width)];
    }

    /// <summary>Number of distinct keys.</summary>
    public int Count { get; private set; }

    /// <summary>Keys of all cells, cell-major.</summary>
    public ReadOnlySpan<int> Keys => _keyArena.AsSpan(0, Count * _width);

    /// <summary>The array behind <see cref="Keys"/> (longer than Count·width; for merges that outlive a span).</summary>
    public int[] KeyArena => _keyArena;

    /// <summary>The cell index of <paramref name="key"/>, adding it when new (<paramref name="added"/> true).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int FindOrAdd(ReadOnlySpan<int> key, out bool added)
    {
        int slot = (int)Hash(key) & _mask;
        while (true)
        {
            int entry = _slots[slot];
            if (entry == 0)
            {
                break;
            }

            if (_keyArena.AsSpan((entry - 1) * _width, _width).SequenceEqual(key))
            {
                added = false;
                return entry - 1;
            }

            slot = (slot + 1) & _mask;
        }

        int cell = Count;
        if ((cell + 1) * _width > _keyArena.Length)
        {
            Array.Resize(ref _keyArena, Math.Max(_keyArena.Length * 2, (cell + 1) * _width));
        }

        key.CopyTo(_keyArena.AsSpan(cell * _width, _width));
        _slots[slot] = cell + 1;
        Count = cell + 1;
        added = true;
        if (Count * 2 > _slots.Length)
        {
            Grow();
        }

        return cell;
    }

    private void Grow()
    {
        _slots = new int[_slots.Length * 2];
        _mask = _slots.Length - 1;
        for (int cell = 0; cell < Count; cell++)
        {
            int slot = (int)Hash(_keyArena.AsSpan(cell * _width, _width)) & _mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = cell + 1;
        }
    }

    // A multiply-xorshift mix per code (the finaliser of SplitMix64); the hash only places keys,
    // it never decides an order that reaches a result.
    private static ulong Hash(ReadOnlySpan<int> key)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (int code in key)
        {
            h ^= (uint)code;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
        }

        h *= 0x94D049BB133111EBUL;
        return h ^ (h >> 29);
    }
}
