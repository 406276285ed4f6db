// GeneratedList: a read-only list whose items are made when they are read, from parts laid end to end.
//
// Why: the row path reports a coefficient (and a model design column) per level of every factor:
// 500,000 on fixest's benchmark shape. Built up front, those objects all survive until the result is
// written, and the collector copied them from generation to generation in full collections of a
// heap of half a gigabyte (a quarter of a second of pauses, and 85 MB of peak). Made on reading,
// each dies young. The items are pure functions of their index (no state changes between reads), so
// every reader, on any thread, sees equal items in the same order: the JSON's bytes do not change.
using System.Collections;

namespace Keel.Results;

/// <summary>A read-only list of parts laid end to end; a part is a list, or a count and the function making item i.</summary>
internal sealed class GeneratedList<T> : IReadOnlyList<T>
{
    private readonly int[] _start;            // _start[k]: index of part k's first item; _start[^1] = Count
    private readonly Func<int, T>[] _item;     // part k's item i (local index)

    /// <summary>The parts in order.</summary>
    public GeneratedList(IReadOnlyList<(int Count, Func<int, T> Item)> parts)
    {
        _start = new int[parts.Count + 1];
        _item = new Func<int, T>[parts.Count];
        for (int k = 0; k < parts.Count; k++)
        {
            _start[k + 1] = checked(_start[k] + parts[k].Count);
            _item[k] = parts[k].Item;
        }
    }

    /// <summary>A part holding the items of <paramref name="items"/> (read through, not copied).</summary>
    public static (int Count, Func<int, T> Item) Part(IReadOnlyList<T> items) => (items.Count, i => items[i]);

    public int Count => _start[^1];

    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            // The last part whose first item is at or before index: it holds index (an empty part
            // starts where the next one does, and the later of equal starts is taken).
            int low = 0, high = _item.Length - 1;
            while (low < high)
            {
                int middle = (low + high + 1) >> 1;
                if (_start[middle] <= index)
                {
                    low = middle;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return _item[low](index - _start[low]);
        }
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (int k = 0; k < _item.Length; k++)
        {
            Func<int, T> item = _item[k];
            for (int i = 0, n = _start[k + 1] - _start[k]; i < n; i++)
            {
                yield return item(i);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
