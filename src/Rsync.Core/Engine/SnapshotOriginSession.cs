using SqlRsync.Engine.Archives;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine;

/// <summary>
/// A snapshot in an archive as the origin of a sync (a restore): it never changes, so pinning it is
/// only a check, and its tree comes from the hashes its page map stores, with the archive's seed, which
/// the origin announces: no page is read to compare. Only the pages that differ are read from their
/// packs, each checked against its stored hash. The archive is held with a shared lock, so that no
/// prune removes what is being read.
/// </summary>
internal sealed class SnapshotOriginSession : IOriginSession
{
    private readonly SnapshotArchive _archive;
    private readonly IDisposable _lock;
    // Read when first wanted: the hello needs only the record, so the map is read while the replica hashes its pages.
    private readonly Lazy<PageMap> _map;
    private readonly SnapshotPages _pages;

    private SnapshotOriginSession(SnapshotArchive archive, IDisposable heldLock, SnapshotRecord snapshot)
    {
        _archive = archive;
        _lock = heldLock;
        Snapshot = snapshot;
        _map = new Lazy<PageMap>(() => archive.MapOf(snapshot));
        _pages = new SnapshotPages(archive, snapshot, _map);
    }

    public SnapshotRecord Snapshot { get; }

    /// <summary>
    /// Opens the snapshot of <paramref name="archive"/> that <paramref name="at"/> names
    /// (<see cref="SnapshotArchive.Find"/>), under a shared lock taken within <paramref name="busyTimeout"/>.
    /// </summary>
    /// <exception cref="SyncException">No such snapshot, or the lock stayed taken (a damaged map is found when it is first read).</exception>
    public static SnapshotOriginSession Open(SnapshotArchive archive, string? at, TimeSpan busyTimeout, CancellationToken cancellation)
    {
        var heldLock = ArchiveLock.Take(archive, exclusive: false, busyTimeout, cancellation);
        try
        {
            var snapshot = archive.Find(at);
            if (snapshot.PageCount == 0)
            {
                throw OriginSession.Empty($"{archive.Location} (snapshot {snapshot.Id})");
            }
            return new SnapshotOriginSession(archive, heldLock, snapshot);
        }
        catch
        {
            heldLock.Dispose();
            throw;
        }
    }

    public int AnnouncedPageSize => Snapshot.PageSize;

    public int FileMode => (int)Snapshot.FileMode;

    public long HashSeed => _archive.CompareSeed;

    public IPageScanner Pages => _pages;

    public int PageSize => Snapshot.PageSize;

    public bool IsWal => Snapshot.IsWal;

    public long PagesRead => _pages.PagesRead;

    public void Pin(int announcedPageSize, bool walOnly)
    {
        if (walOnly && !Snapshot.IsWal)
        {
            throw new SyncException(SyncFailure.Incompatible,
                $"snapshot {Snapshot.Id} of {_archive.Location} is not of a WAL database and --wal-only was given");
        }
    }

    public HashTree HashTree(uint treePages, long seed, int threads, ProgressTracker progress)
    {
        if (seed == _archive.CompareSeed)
        {
            progress.Enter(SyncPhase.Hashing, 0);
            var map = _map.Value;
            return HashTrees.HashTree.FromLeaves(HashTreeShape.For(treePages), map.PageCount, map.Leaf);
        }
        // A replica whose stored hashes have another seed (another archive): every page is read to hash.
        return OriginSession.HashTree(ScannerGroup.Alone(_pages), PageSize, treePages, seed, progress);
    }

    public void Release()
    {
    }

    public void Dispose() => _lock.Dispose();
}
