namespace SqlRsync.Engine.Archives;

/// <summary>
/// Where each page of a snapshot lies: its pack and its stored bytes' offset and length, in three arrays
/// indexed by page (12 bytes a page), found by reading every index once and looking each entry up in a
/// table of the map's pages by blob id. A dictionary by blob id took about 100 bytes a page and most of
/// a restore's memory.
/// </summary>
internal sealed class PageLocations
{
    private readonly PageMap _map;
    private readonly int[] _pack;
    private readonly uint[] _offset;
    private readonly uint[] _length;
    private readonly List<string> _packKeys = [];
    private readonly System.Collections.BitArray? _covered;  // the pages looked for, when not all were

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
    /// <paramref name="pages"/> (the few a restore into a replica sends: a small table is read fastest);
    /// the first listing of a blob wins.
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
        PackIndex.VisitAll(archive.Store, archive.Sealer, null, (packKey, entry) =>
        {
            if (entry.Kind != BlobKind.Page)
            {
                return;
            }
            // Every page of the map with this blob (a page's bytes may repeat at several page numbers).
            for (int slot = entry.Id.GetHashCode() & mask; table[slot] != 0; slot = (slot + 1) & mask)
            {
                int page = table[slot] - 1;
                if (locations._pack[page] >= 0 || map.Id((uint)page + 1) != entry.Id)
                {
                    continue;
                }
                if (!packNumbers.TryGetValue(packKey, out int number))
                {
                    packNumbers[packKey] = number = locations._packKeys.Count;
                    locations._packKeys.Add(packKey);
                }
                locations._pack[page] = number;
                locations._offset[page] = entry.Offset;
                locations._length[page] = entry.Length;
            }
        });
        return locations;
    }

    /// <summary>Where page <paramref name="page"/> lies, or null when no index lists its blob.</summary>
    public BlobLocation? Of(uint page) => _pack[page - 1] < 0 ? null
        : new BlobLocation(_packKeys[_pack[page - 1]], new PackEntry(BlobKind.Page, _map.Id(page), _offset[page - 1], _length[page - 1]));
}
