using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// Reads a restore's spans of packs ahead. An add stores a pack's pages in page order, so when a
/// window of pages asks a pack for a few of them, the next windows will ask that pack for what follows:
/// the read goes on, up to a chunk, to the end of the last blob the restore wants from that pack there,
/// and the bytes past the window are kept for the windows after it. In object storage a request costs
/// far more than its bytes: a restore of 1 GiB after 30 daily changes of 1% took about 8,000 ranged
/// GETs of 15 KB (each window took a few pages from each day's pack); read ahead, about one per chunk of
/// what it needs. A pack's chunk is its share of a budget among the packs the restore reads from, since
/// windows go through them all at once (with a fixed chunk and a bound on what is kept, the least recently
/// used pack was always the one the next window wanted: it read 1.6 GB for 122 MB). Past twice the budget
/// (a window's own reads can be larger than a share), the least recently used pack's bytes go first.
/// </summary>
internal sealed class PackReadAhead
{
    private const long Budget = 8 << 20;
    private const long MostKept = 2 * Budget;

    private readonly ObjectStore _store;
    private readonly long _chunk;  // how far past what a window asks a read of one pack goes
    private readonly Dictionary<string, (long Offset, long End)[]> _wanted;  // per pack, the blobs the restore reads, by offset
    private readonly Dictionary<string, (long Start, byte[] Bytes, long LastUse)> _kept = [];
    private long _keptBytes;
    private long _uses;

    /// <summary>Reads ahead in <paramref name="store"/> for a restore that will read the blobs at <paramref name="locations"/>.</summary>
    public PackReadAhead(ObjectStore store, IEnumerable<BlobLocation> locations)
    {
        _store = store;
        _wanted = locations.GroupBy(location => location.PackKey, StringComparer.Ordinal).ToDictionary(pack => pack.Key,
            pack => pack.Select(location => (Offset: (long)location.Entry.Offset, End: location.Entry.Offset + (long)location.Entry.Length))
                .Distinct().OrderBy(blob => blob.Offset).ToArray(), StringComparer.Ordinal);
        _chunk = Math.Clamp(Budget / Math.Max(1, _wanted.Count), 64 << 10, 4 << 20);
    }

    /// <summary>The bytes of <paramref name="pack"/> from <paramref name="start"/> into all of <paramref name="destination"/>.</summary>
    /// <exception cref="IOException">They cannot be read.</exception>
    public void Read(string pack, long start, Span<byte> destination)
    {
        long end = start + destination.Length;
        if (_kept.TryGetValue(pack, out var kept) && start >= kept.Start && end <= kept.Start + kept.Bytes.Length)
        {
            kept.Bytes.AsSpan((int)(start - kept.Start), destination.Length).CopyTo(destination);
            _kept[pack] = kept with { LastUse = ++_uses };
            return;
        }
        long readEnd = Math.Max(end, FurthestWantedEnd(pack, start));
        if (readEnd == end)
        {
            _store.ReadRange(pack, start, destination);
            return;
        }
        var bytes = new byte[readEnd - start];
        _store.ReadRange(pack, start, bytes);
        bytes.AsSpan(0, destination.Length).CopyTo(destination);
        Keep(pack, start, bytes);
    }

    /// <summary>The end of the last blob wanted from <paramref name="pack"/> that starts at or after <paramref name="start"/>, within a chunk of it.</summary>
    private long FurthestWantedEnd(string pack, long start)
    {
        if (!_wanted.TryGetValue(pack, out var blobs))
        {
            return start;
        }
        int at = Array.BinarySearch(blobs, (start, long.MinValue), Comparer<(long Offset, long End)>.Create((a, b) => a.Offset.CompareTo(b.Offset)));
        long furthest = start;
        for (int i = at < 0 ? ~at : at; i < blobs.Length && blobs[i].End - start <= _chunk; i++)
        {
            furthest = Math.Max(furthest, blobs[i].End);
        }
        return furthest;
    }

    private void Keep(string pack, long start, byte[] bytes)
    {
        if (_kept.Remove(pack, out var replaced))
        {
            _keptBytes -= replaced.Bytes.Length;
        }
        while (_keptBytes + bytes.Length > MostKept && _kept.Count > 0)
        {
            var oldest = _kept.MinBy(entry => entry.Value.LastUse);
            _kept.Remove(oldest.Key);
            _keptBytes -= oldest.Value.Bytes.Length;
        }
        _kept[pack] = (start, bytes, ++_uses);
        _keptBytes += bytes.Length;
    }
}
