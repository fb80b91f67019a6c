using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// A snapshot's pages, read from their packs: what a restore sends, and what an add reads of the
/// newest snapshot when the origin asks for block hashes. Every page read is checked against the compare
/// hash its map holds (and, sealed, against its seal) before it is used: a damaged pack is an error
/// that names the snapshot and the page, never a wrong page. A scan reads a pack whole when it needs
/// many of its pages, and keeps the last one it read.
/// </summary>
internal sealed class SnapshotPages : IPageScanner
{
    private const int WholePackAfter = 16;

    private readonly SnapshotArchive _archive;
    private readonly SnapshotRecord _snapshot;
    private readonly PageMap _map;
    private readonly BlobReader _reader;
    private readonly uint _lockBytePage;
    private Dictionary<BlobId, BlobLocation>? _locations;
    private string? _cachedPack;
    private byte[]? _cachedBytes;
    private byte[] _page = [];

    public SnapshotPages(SnapshotArchive archive, SnapshotRecord snapshot, PageMap map)
    {
        _archive = archive;
        _snapshot = snapshot;
        _map = map;
        _reader = new BlobReader(archive.Store, archive.Sealer);
        _lockBytePage = LockBytePage.For(snapshot.PageSize);
    }

    public uint PageCount => _map.PageCount;

    /// <summary>Pages read from packs so far.</summary>
    public long PagesRead { get; private set; }

    public ReadOnlySpan<byte> ReadPage(uint pageNumber) => Read(pageNumber, wholePack: false);

    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        bool wholePacks = last - first + 1 >= WholePackAfter;
        for (uint page = first; page <= last; page++)
        {
            if (page != _lockBytePage)
            {
                visit(page, Read(page, wholePacks));
            }
        }
    }

    public ScannerGroup ForThreads(int threads) => ScannerGroup.Alone(this);

    private ReadOnlySpan<byte> Read(uint pageNumber, bool wholePack)
    {
        if (!_map.Holds(pageNumber))
        {
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is not a page of snapshot {_snapshot.Id}");
        }
        _locations ??= Locate();
        var id = _map.Id(pageNumber);
        if (!_locations.TryGetValue(id, out var location) || location.Entry.Kind != BlobKind.Page)
        {
            throw _archive.Damaged(_snapshot, $"page {pageNumber} (blob {id}) is in no pack");
        }
        try
        {
            if (wholePack && _cachedPack != location.PackKey)
            {
                _cachedBytes = _archive.Store.Read(location.PackKey) ?? throw new InvalidDataException($"pack {location.PackKey} is missing");
                _cachedPack = location.PackKey;
            }
            var entry = location.Entry;
            _page = _cachedPack == location.PackKey && entry.Offset + (long)entry.Length <= _cachedBytes!.Length
                ? _reader.Open(_cachedBytes.AsSpan((int)entry.Offset, (int)entry.Length), location, _snapshot.PageSize, checkId: false)
                : _reader.Read(location, _snapshot.PageSize, checkId: false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw _archive.Damaged(_snapshot, $"page {pageNumber}: {e.Message}", e);
        }
        if (_page.Length != _snapshot.PageSize
            || PageHasher.Hash(pageNumber, _page, _lockBytePage, _archive.CompareSeed) != _map.Leaf(pageNumber))
        {
            throw _archive.Damaged(_snapshot, $"page {pageNumber} (blob {id}) does not hold the page the snapshot recorded");
        }
        PagesRead++;
        return _page;
    }

    private Dictionary<BlobId, BlobLocation> Locate()
    {
        try
        {
            return PackIndex.Locate(_archive.Store, _archive.Sealer, _map.Blobs());
        }
        catch (InvalidDataException e)
        {
            throw _archive.Damaged(_snapshot, e.Message, e);
        }
    }
}
