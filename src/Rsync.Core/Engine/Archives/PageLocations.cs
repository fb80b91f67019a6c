namespace SqlRsync.Engine.Archives;

/// <summary>
/// Where each page of a snapshot lies: its pack and its stored bytes' offset and length, in three arrays
/// indexed by page (12 bytes a page), found by reading every index once and looking each entry up
/// among the map's pages sorted by blob id. A dictionary by blob id took about 100 bytes a page and most
/// of a restore's memory.
/// </summary>
internal sealed class PageLocations
{
    private readonly PageMap _map;
    private readonly int[] _pack;
    private readonly uint[] _offset;
    private readonly uint[] _length;
    private readonly List<string> _packKeys = [];

    private PageLocations(PageMap map)
    {
        _map = map;
        _pack = new int[map.PageCount];
        Array.Fill(_pack, -1);
        _offset = new uint[map.PageCount];
        _length = new uint[map.PageCount];
    }

    /// <summary>The locations of <paramref name="map"/>'s pages in <paramref name="archive"/>; the first listing of a blob wins.</summary>
    /// <exception cref="InvalidDataException">An index object is damaged.</exception>
    public static PageLocations Find(SnapshotArchive archive, PageMap map)
    {
        var locations = new PageLocations(map);
        // Page numbers (less one) of the pages the map holds, in blob id order: equal ids are neighbours.
        var lookup = Enumerable.Range(0, (int)map.PageCount).Where(index => map.Holds((uint)index + 1)).ToArray();
        Array.Sort(lookup, (a, b) => map.Id((uint)a + 1).CompareTo(map.Id((uint)b + 1)));
        var packNumbers = new Dictionary<string, int>();
        PackIndex.VisitAll(archive.Store, archive.Sealer, null, (packKey, entry) =>
        {
            if (entry.Kind != BlobKind.Page)
            {
                return;
            }
            for (int at = LowerBound(lookup, map, entry.Id); at < lookup.Length && map.Id((uint)lookup[at] + 1) == entry.Id; at++)
            {
                int page = lookup[at];
                if (locations._pack[page] >= 0)
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

    /// <summary>The first position in <paramref name="sorted"/> whose page's blob id is not below <paramref name="id"/>.</summary>
    private static int LowerBound(int[] sorted, PageMap map, BlobId id)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (map.Id((uint)sorted[middle] + 1).CompareTo(id) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }
}
