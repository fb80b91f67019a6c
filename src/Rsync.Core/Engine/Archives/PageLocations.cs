namespace SqlRsync.Engine.Archives;

/// <summary>
/// Where each page of a snapshot lies: its pack and its stored bytes' offset and length, in three arrays
/// indexed by page (12 bytes a page), found by reading every index once (two objects side by side) and
/// looking each entry up in a table of the map's pages by blob id. A dictionary by blob id took about
/// 100 bytes a page and most of a restore's memory.
/// </summary>
internal sealed class PageLocations
{
    private readonly PageMap _map;
    private readonly int[] _pack;
    private readonly uint[] _offset;
    private readonly uint[] _length;
    private readonly List<string> _packKeys = [];
    private readonly System.Collections.BitArray? _covered;  // the pages looked for, when not all were

    /// <summary>A page's pack number while its location is being written.</summary>
    private const int Claimed = -2;

    /// <summary>Whether <paramref name="page"/> was looked for (it was, when every page was).</summary>
    public bool Covers(uint page) => _covered is null || _covered[(int)page - 1];

    private PageLocations(PageMap map, bool everyPage)
    {
        _map = map;
        _covered = everyPage ? null : new System.Collections.BitArray((int)map.PageCount);
        _pack = new int[map.PageCount];
        Array.Fill(_pack, -1);
        _offset = new uint[map.PageCount];
        _length = new uint[map.PageCount];
    }

    /// <summary>
    /// The locations of <paramref name="map"/>'s pages in <paramref name="archive"/>, or of only
    /// <paramref name="pages"/> (the few a restore into a replica sends: a small table is read fastest).
    /// Where a blob is listed more than once, any listing may give its location: all hold the same bytes,
    /// and reading them checks that.
    /// </summary>
    /// <exception cref="InvalidDataException">An index object is damaged.</exception>
    public static PageLocations Find(SnapshotArchive archive, PageMap map, IReadOnlyList<uint>? pages = null)
    {
        var locations = new PageLocations(map, pages is null);
        pages ??= [.. Enumerable.Range(1, (int)map.PageCount).Select(page => (uint)page)];
        // The pages the map holds, in an open-addressing table by blob id (at most half full, 8 bytes
        // a page while the indexes are read): a lookup per index entry costs about one memory access.
        // Probing starts at the id's hash code, which .NET seeds at random per process, so pages chosen
        // to collide cannot slow a restore down.
        var table = new int[Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)pages.Count * 2))];
        int mask = table.Length - 1;
        foreach (uint page in pages)
        {
            if (map.Holds(page))
            {
                locations._covered?.Set((int)page - 1, true);
                int slot = map.Id(page).GetHashCode() & mask;
                while (table[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }
                table[slot] = (int)page;
            }
        }
        var packNumbers = new Dictionary<string, int>();
        bool guessed = false;
        PackIndex.VisitAllAtOnce(archive.Store, archive.Sealer, BlobKind.Page, () =>
        {
            int next = 0;  // the page after the last one this index object gave, 0-based
            string? lastPack = null;  // an object lists a pack's entries together, under one key
            int lastNumber = -1;
            return (packKey, entry) =>
            {
                if (!ReferenceEquals(packKey, lastPack))
                {
                    lastPack = packKey;
                    lastNumber = locations.NumberOf(packKey, packNumbers);
                }
                // An add stores the pages it sends in page order, so an index lists most blobs of a snapshot
                // in the order of their pages: the page after the last one found is tried before the table,
                // whose lookups are cache misses (they were half of a restore's time before its first page).
                if (next < map.PageCount && map.Holds((uint)next + 1) && map.Id((uint)next + 1) == entry.Id && locations.Covers((uint)next + 1))
                {
                    locations.TrySet(next, lastNumber, entry);
                    next++;
                    Volatile.Write(ref guessed, true);
                    return;
                }
                // Every page of the map with this blob (a page's bytes may repeat at several page numbers).
                for (int slot = entry.Id.GetHashCode() & mask; table[slot] != 0; slot = (slot + 1) & mask)
                {
                    int page = table[slot] - 1;
                    if (map.Id((uint)page + 1) == entry.Id)
                    {
                        locations.TrySet(page, lastNumber, entry);
                        next = page + 1;
                    }
                }
            };
        });
        if (guessed)
        {
            locations.FillRepeatedBlobs(pages);
        }
        return locations;
    }

    private int NumberOf(string packKey, Dictionary<string, int> packNumbers)
    {
        lock (packNumbers)
        {
            if (!packNumbers.TryGetValue(packKey, out int number))
            {
                packNumbers[packKey] = number = _packKeys.Count;
                _packKeys.Add(packKey);
            }
            return number;
        }
    }

    /// <summary>
    /// Gives <paramref name="page"/> the location <paramref name="entry"/> names in pack
    /// <paramref name="pack"/>, unless it has one: index objects are visited side by side, and the first
    /// to claim a page (its pack number from -1 to <see cref="Claimed"/>) writes its location.
    /// </summary>
    private void TrySet(int page, int pack, PackEntry entry)
    {
        if (Volatile.Read(ref _pack[page]) == -1 && Interlocked.CompareExchange(ref _pack[page], Claimed, -1) == -1)
        {
            _offset[page] = entry.Offset;
            _length[page] = entry.Length;
            Volatile.Write(ref _pack[page], pack);
        }
    }

    /// <summary>
    /// A page found by its place in an index has its blob's location, but other pages with the same
    /// bytes do not: each page still without one takes that of a page with its blob id.
    /// </summary>
    private void FillRepeatedBlobs(IReadOnlyList<uint> pages)
    {
        var missing = new Dictionary<BlobId, List<int>>();
        foreach (uint page in pages)
        {
            if (_map.Holds(page) && _pack[page - 1] < 0)
            {
                var id = _map.Id(page);
                if (!missing.TryGetValue(id, out var list))
                {
                    missing[id] = list = [];
                }
                list.Add((int)page - 1);
            }
        }
        for (uint page = 1; page <= _map.PageCount && missing.Count > 0; page++)
        {
            if (_pack[page - 1] >= 0 && missing.Remove(_map.Id(page), out var same))
            {
                foreach (int other in same)
                {
                    _pack[other] = _pack[page - 1];
                    _offset[other] = _offset[page - 1];
                    _length[other] = _length[page - 1];
                }
            }
        }
    }

    /// <summary>Where page <paramref name="page"/> lies, or null when no index lists its blob.</summary>
    public BlobLocation? Of(uint page) => _pack[page - 1] < 0 ? null
        : new BlobLocation(_packKeys[_pack[page - 1]], new PackEntry(BlobKind.Page, _map.Id(page), _offset[page - 1], _length[page - 1]));
}
