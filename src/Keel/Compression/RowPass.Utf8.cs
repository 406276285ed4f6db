// RowPass.Utf8: the row pass over one range of a plain CSV file, read from its UTF-8 bytes with no
// CSV library in between (the cell path's counterpart of Rows/CsvRowReader).
//
// Objective: the same cells, counts and errors as RowPass.Add over a CsvSource (Sylvan) of the same
//   bytes, at a fraction of the cost: no UTF-16 decoding of every field, no per-field reader calls;
//   key values are interned from their bytes (ValueInterner packs short ASCII values into one word
//   either way), numbers are parsed by Utf8Number (the bits of double.Parse, as DecimalParser gives).
// Rule (the hand-over): the bytes path handles the regular records, those a one-line split on ','
//   reads exactly as RFC 4180 does: no quote byte, no carriage return but the one of a CRLF (the
//   library ends a record at a lone CR too), not blank, as many fields as the header. At the first record that is not regular, or whose
//   values the bytes path does not decide alone (a number that does not parse, a negative weight,
//   a target outside the family's domain without --na drop), it hands the rest of the range to
//   RowPass.Add over a CsvSource that starts at that record. Up to that record each record is one
//   line, so the line numbers, and with them every message, are the one-thread reader's.
// Invariant: a record's effect on the pass (interned values, the row's cell and sums, the counts)
//   is the one RowPass.AddRow gives it; a record handed over has changed nothing but interned
//   values that the reference path interns again to the same ids (keys are interned first on both
//   paths). So the finished table has the same bits whichever path read which record.
// Cost: per range one vectorised UTF-8 validation and one scan for quote and carriage-return bytes;
//   per record one vectorised search for the line feed and a byte scan of its fields.
using System.Text.Unicode;
using Keel.Data;

namespace Keel.Compression;

internal sealed partial class RowPass
{
    // Records wider than this go to the reference path (the field positions live on the stack).
    private const int MaxBytesPathFields = 1024;

    /// <summary>
    /// Reads the records in <paramref name="bytes"/>[0, <paramref name="length"/>) (whole records of a
    /// CSV file with header <paramref name="header"/>, the first on line <paramref name="firstLine"/>).
    /// <paramref name="headerLine"/> is the header record's bytes with its line end, for hand-overs.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void AddUtf8(string name, byte[] bytes, int length, string[] header, byte[] headerLine, long firstLine, CancellationToken cancel)
    {
        ReadOnlySpan<byte> data = bytes.AsSpan(0, length);
        int width = header.Length;
        if (width > MaxBytesPathFields || !Utf8.IsValid(data))
        {
            // Invalid UTF-8 is an error the reference path words (and places) as it always has.
            AddReference(name, headerLine, bytes, 0, length, header, firstLine, cancel);
            return;
        }

        int[] keyOrdinals = new int[_key.Length];
        for (int j = 0; j < keyOrdinals.Length; j++)
        {
            keyOrdinals[j] = Ordinal(name, header, _plan.KeyColumns[j]);
        }

        int targetOrdinal = Ordinal(name, header, _plan.TargetColumn);
        int weightOrdinal = _plan.WeightColumn is null ? -1 : Ordinal(name, header, _plan.WeightColumn);
        _offsetOrdinal = _plan.OffsetColumn is null ? -1 : Ordinal(name, header, _plan.OffsetColumn);
        Span<int> starts = stackalloc int[width + 1];
        int irregular = FirstIrregularByte(data, 0);
        int at = 0;
        long line = firstLine;
        while (at < data.Length)
        {
            int lineFeed = data[at..].IndexOf((byte)'\n');
            int end = lineFeed < 0 ? data.Length : at + lineFeed;
            int recordEnd = end > at && data[end - 1] == (byte)'\r' ? end - 1 : end;
            if (irregular < recordEnd || recordEnd == at || !Split(data[at..recordEnd], starts, width))
            {
                AddReference(name, headerLine, bytes, at, length - at, header, line, cancel);
                return;
            }

            if (((_rowsRead + 1) & 0xFFFF) == 0)
            {
                cancel.ThrowIfCancellationRequested();
            }

            if (!AddRecord(data[at..recordEnd], starts, line, keyOrdinals, targetOrdinal, weightOrdinal))
            {
                AddReference(name, headerLine, bytes, at, length - at, header, line, cancel);
                return;
            }

            at = end + 1;
            line++;
        }
    }

    // The first quote byte, or carriage return not followed by a line feed, at or after from; else int.MaxValue.
    private static int FirstIrregularByte(ReadOnlySpan<byte> data, int from)
    {
        while (true)
        {
            int i = data[from..].IndexOfAny((byte)'"', (byte)'\r');
            if (i < 0)
            {
                return int.MaxValue;
            }

            i += from;
            if (data[i] == (byte)'"' || i + 1 >= data.Length || data[i + 1] != (byte)'\n')
            {
                return i;
            }

            from = i + 1;
        }
    }

    // Field f of the record is record[starts[f], starts[f + 1] - 1); false unless there are exactly width fields.
    private static bool Split(ReadOnlySpan<byte> record, Span<int> starts, int width)
    {
        starts[0] = 0;
        int field = 1;
        for (int i = 0; i < record.Length; i++)
        {
            if (record[i] == (byte)',')
            {
                if (field == width)
                {
                    return false;
                }

                starts[field++] = i + 1;
            }
        }

        if (field != width)
        {
            return false;
        }

        starts[width] = record.Length + 1;
        return true;
    }

    // One regular record, as AddRow does it; false (having counted nothing) when the reference path must decide it.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool AddRecord(ReadOnlySpan<byte> record, ReadOnlySpan<int> starts, long line, int[] keyOrdinals, int targetOrdinal, int weightOrdinal)
    {
        _rowsRead++;
        for (int j = 0; j < keyOrdinals.Length; j++)
        {
            ReadOnlySpan<byte> field = Field(record, starts, keyOrdinals[j]);
            if (IsMissing(field))
            {
                _droppedMissing++;
                return true;
            }

            _key[j] = _interners[j].Intern(field, line);
        }

        ReadOnlySpan<byte> targetText = Field(record, starts, targetOrdinal);
        if (IsMissing(targetText))
        {
            _droppedMissing++;
            return true;
        }

        TargetCheck check = Utf8Number.TryParse(targetText, out double y) && double.IsFinite(y) ? CheckTarget(ref y) : TargetCheck.NotANumber;
        if (check != TargetCheck.Valid)
        {
            return Invalid();
        }

        double w = 1.0;
        if (weightOrdinal >= 0)
        {
            ReadOnlySpan<byte> weightText = Field(record, starts, weightOrdinal);
            if (IsMissing(weightText))
            {
                _droppedMissing++;
                return true;
            }

            if (!Utf8Number.TryParse(weightText, out w) || !double.IsFinite(w) || w < 0)
            {
                // An error whatever --na says: the reference path words it.
                _rowsRead--;
                return false;
            }

            if (w == 0)
            {
                _zeroWeight++;
                return true;
            }
        }

        double expOffset = 1.0;
        if (_offsetOrdinal >= 0)
        {
            ReadOnlySpan<byte> offsetText = Field(record, starts, _offsetOrdinal);
            if (IsMissing(offsetText))
            {
                _droppedMissing++;
                return true;
            }

            if (!Utf8Number.TryParse(offsetText, out double offset) || !double.IsFinite(offset) || !ExpOffsetOf(offset, out expOffset))
            {
                return Invalid();
            }
        }

        Accumulate(y, w, expOffset);
        return true;

        // With --na drop the row is counted and skipped, as AddRow does; else the reference path throws its message.
        bool Invalid()
        {
            if (_plan.DropInvalid)
            {
                _droppedInvalid++;
                return true;
            }

            _rowsRead--;
            return false;
        }
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> record, ReadOnlySpan<int> starts, int ordinal) =>
        record[starts[ordinal]..(starts[ordinal + 1] - 1)];

    // MissingValues.IsMissing of the field's text: decided from the bytes when the field starts and ends
    // with printable ASCII (nothing to trim), else from its decoded characters.
    private static bool IsMissing(ReadOnlySpan<byte> field)
    {
        if (field.Length == 0)
        {
            return true;
        }

        uint first = field[0];
        uint last = field[^1];
        if (first - '!' <= '~' - '!' && last - '!' <= '~' - '!')
        {
            return (first | 0x20) == 'n'
                && (field.SequenceEqual("NA"u8) || field.SequenceEqual("NaN"u8) || field.SequenceEqual("nan"u8)
                    || field.SequenceEqual("NULL"u8) || field.SequenceEqual("null"u8));
        }

        Span<char> text = stackalloc char[Math.Min(field.Length, 64)];
        // Longer than 64 bytes with something to trim: no missing spelling is that long once trimmed,
        // unless it is all blanks, which the decoded check below also finds.
        return field.Length <= 64
            ? MissingValues.IsMissing(text[..System.Text.Encoding.UTF8.GetChars(field, text)])
            : MissingValues.IsMissing(System.Text.Encoding.UTF8.GetString(field));
    }

    // The records of bytes[offset, offset + count) through the CSV library, the first on line firstLine.
    private void AddReference(string name, byte[] headerLine, byte[] bytes, int offset, int count, string[] header, long firstLine, CancellationToken cancel)
    {
        using CsvSource source = CsvSource.OpenRecords(name, headerLine, bytes, offset, count, header, firstLine);
        Add(source, null, cancel);
    }
}
