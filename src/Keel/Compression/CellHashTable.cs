namespace Keel.Compression;

/// <summary>
/// Open-addressing hash table from a fixed-width key of int codes to a dense cell index, with the
/// keys stored in one growing arena (no allocation per row or per cell).
/// While every code fits its share of 64 bits (64/width bits per column), a slot holds the packed
/// key itself next to the cell index, so a probe reads one slot and never the arena (one cache miss
/// instead of two); the first code that does not fit switches the table to arena compares for good.
/// Invariant: cell i's key is KeyArena[i*width .. (i+1)*width); a slot holds cell index + 1 (0 =
/// empty) and, packed, the key's packing; load factor at most 1/2, so linear probing stays short.
/// </summary>
internal sealed class CellHashTable
{
    private readonly int _width;
    private readonly int _bits;
    private bool _packed;
    private Slot[] _slots;
    private int _mask;
    private int[] _keyArena;

    public CellHashTable(int width, int initialCapacity = 1024)
    {
        _width = width;
        _bits = width == 0 ? 32 : Math.Min(32, 64 / width);
        _packed = _bits >= 8;
        int capacity = 16;
        while (capacity < initialCapacity * 2)
        {
            capacity <<= 1;
        }

        _slots = new Slot[capacity];
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
    public int FindOrAdd(ReadOnlySpan<int> key, out bool added)
    {
        ulong packed = 0;
        if (_packed && !TryPack(key, out packed))
        {
            Unpack();
        }

        int slot;
        if (_packed)
        {
            slot = (int)Mix(packed) & _mask;
            while (true)
            {
                ref Slot s = ref _slots[slot];
                if (s.Cell == 0)
                {
                    break;
                }

                if (s.Key == packed)
                {
                    added = false;
                    return s.Cell - 1;
                }

                slot = (slot + 1) & _mask;
            }

            _slots[slot].Key = packed;
        }
        else
        {
            slot = (int)Hash(key) & _mask;
            while (true)
            {
                int entry = _slots[slot].Cell;
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
        }

        int cell = Count;
        if ((cell + 1) * _width > _keyArena.Length)
        {
            Array.Resize(ref _keyArena, Math.Max(_keyArena.Length * 2, (cell + 1) * _width));
        }

        key.CopyTo(_keyArena.AsSpan(cell * _width, _width));
        _slots[slot].Cell = cell + 1;
        Count = cell + 1;
        added = true;
        if (Count * 2 > _slots.Length)
        {
            Rebuild(_slots.Length * 2);
        }

        return cell;
    }

    // Codes are non-negative (interner ids); column 0 lands in the lowest bits.
    private bool TryPack(ReadOnlySpan<int> key, out ulong packed)
    {
        packed = 0;
        int shift = 0;
        foreach (int code in key)
        {
            if ((ulong)(uint)code >> _bits != 0)
            {
                return false;
            }

            packed |= (ulong)(uint)code << shift;
            shift += _bits;
        }

        return true;
    }

    private void Unpack()
    {
        _packed = false;
        Rebuild(_slots.Length);
    }

    private void Rebuild(int capacity)
    {
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        for (int cell = 0; cell < Count; cell++)
        {
            ReadOnlySpan<int> key = _keyArena.AsSpan(cell * _width, _width);
            ulong packed = 0;
            int slot = _packed && TryPack(key, out packed) ? (int)Mix(packed) & _mask : (int)Hash(key) & _mask;
            while (_slots[slot].Cell != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = new Slot { Key = packed, Cell = cell + 1 };
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

        return Mix(h);
    }

    // The SplitMix64 finaliser: every input bit reaches the low bits the mask keeps.
    private static ulong Mix(ulong h)
    {
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }

    private struct Slot
    {
        public ulong Key;
        public int Cell;
    }
}
