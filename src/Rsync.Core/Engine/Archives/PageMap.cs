using SqlRsync.Engine.Pages;
using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// A snapshot's pages as the archive knows them without reading them: for each page, its compare hash
/// (the hash-tree leaf under the archive's seed) and its blob id. Read from the snapshot's chain of
/// map chunks: the full part lists every page of some earlier snapshot, and each later chunk the pages
/// one snapshot changed; the last entry for a page wins, and pages past the snapshot's page count are
/// cut. Every page but the lock-byte page must end with an entry. 48 bytes per page in memory.
/// </summary>
internal sealed class PageMap
{
    private readonly UInt128[] _leaves;
    private readonly BlobId[] _ids;
    private readonly bool[] _present;

    private PageMap(uint pageCount, int pageSize)
    {
        PageCount = pageCount;
        PageSize = pageSize;
        _leaves = new UInt128[pageCount];
        _ids = new BlobId[pageCount];
        _present = new bool[pageCount];
    }

    public uint PageCount { get; }

    /// <summary>How many entries the chunks after the full part hold: what a snapshot's map costs beyond a full one.</summary>
    public long ChangeEntries { get; private set; }

    public int PageSize { get; }

    /// <summary>An empty map, for an archive with no snapshot yet.</summary>
    public static PageMap Empty(int pageSize) => new(0, pageSize);

    public UInt128 Leaf(uint page) => _leaves[page - 1];

    public BlobId Id(uint page) => _ids[page - 1];

    /// <summary>Whether the map holds <paramref name="page"/> (every page it covers but the lock-byte page).</summary>
    public bool Holds(uint page) => page >= 1 && page <= PageCount && _present[page - 1];

    /// <summary>Every blob id the map names, once each.</summary>
    public HashSet<BlobId> Blobs()
    {
        var ids = new HashSet<BlobId>();
        for (uint page = 1; page <= PageCount; page++)
        {
            if (_present[page - 1])
            {
                ids.Add(_ids[page - 1]);
            }
        }
        return ids;
    }

    /// <summary>
    /// Reads the map of <paramref name="snapshot"/>, checking every chunk and that every page has an entry:
    /// from <paramref name="cache"/> when it holds every chunk, else from the store (and then into the cache).
    /// </summary>
    /// <exception cref="InvalidDataException">A chunk is missing or damaged, or a page has no entry.</exception>
    public static PageMap Load(SnapshotRecord snapshot, ObjectStore store, Sealer sealer, IReadOnlyDictionary<BlobId, BlobLocation>? locations = null,
        ArchiveCache? cache = null)
    {
        var map = new PageMap(snapshot.PageCount, snapshot.PageSize);
        var kept = cache is null ? null : snapshot.Map.Select(id => cache.MapChunk(id, sealer)).ToList();
        if (kept is not null && kept.TrueForAll(bytes => bytes is not null))
        {
            for (int part = 0; part < kept.Count; part++)
            {
                map.AddChunk(snapshot, part, kept[part]);
            }
            return map.Checked();
        }
        locations ??= PackIndex.Locate(store, sealer, BlobKind.Map, snapshot.Map.ToHashSet());
        var chunks = new List<BlobLocation>(snapshot.Map.Count);
        foreach (var chunk in snapshot.Map)
        {
            if (!locations.TryGetValue(chunk, out var location) || location.Entry.Kind != BlobKind.Map)
            {
                throw new InvalidDataException($"its page map's part {chunk} is in no pack");
            }
            chunks.Add(location);
        }
        new BlobReader(store, sealer).ReadInOrder(chunks, PageMapChunk.MaxLength, checkId: true, (part, plain) =>
        {
            map.AddChunk(snapshot, part, plain);
            cache?.KeepMapChunk(snapshot.Map[part], plain);
        });
        return map.Checked();
    }

    /// <summary>Sets the entries of the chunk <paramref name="part"/> of <paramref name="snapshot"/>'s map.</summary>
    /// <exception cref="InvalidDataException">It is damaged.</exception>
    private void AddChunk(SnapshotRecord snapshot, int part, ReadOnlySpan<byte> plain)
    {
        bool isChange = part >= snapshot.FullChunks;
        try
        {
            PageMapChunk.Visit(plain, uint.MaxValue, entry =>
            {
                ChangeEntries += isChange ? 1 : 0;
                if (entry.Page <= PageCount)
                {
                    Set(entry.Page, entry.Leaf, entry.Id);
                }
            });
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"its page map's part {snapshot.Map[part]}: {e.Message}", e);
        }
    }

    /// <summary>This map, once every page but the lock-byte page is found to have an entry.</summary>
    /// <exception cref="InvalidDataException">A page has none.</exception>
    private PageMap Checked()
    {
        uint lockBytePage = LockBytePage.For(PageSize);
        for (uint page = 1; page <= PageCount; page++)
        {
            if (!_present[page - 1] && page != lockBytePage)
            {
                throw new InvalidDataException($"its page map has no entry for page {page}");
            }
        }
        return this;
    }

    private void Set(uint page, UInt128 leaf, BlobId id)
    {
        _leaves[page - 1] = leaf;
        _ids[page - 1] = id;
        _present[page - 1] = true;
    }
}
