using SqlRsync.Engine.Archives;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Engine;

/// <summary>
/// One sync as a snapshot archive lives it: a new snapshot added after the newest one. The archive is
/// locked (one writer at a time), or, where the store gives a prune grace instead, the add goes without
/// (<see cref="UnlockedAdd"/>); the newest snapshot's page map stands for the replica's pages (its
/// stored hashes have the archive's seed, which ReplicaInfo asks the origin to hash with, so no page is
/// read to compare), the pages that differ are stored, and the commit writes the snapshot. The
/// archive's history is only ever added to; disposing before the commit leaves no snapshot, and, under
/// the lock, removes the packs it wrote (a kill, or an add without the lock, leaves them, unnamed, for
/// prune to remove).
/// </summary>
internal sealed class ArchiveReplicaSession : IReplicaSession
{
    private readonly SnapshotArchive _archive;
    private readonly IDisposable? _lock;  // null where the store's prune grace stands in for it (UnlockedAdd)
    private readonly UnlockedAdd? _unlocked;
    private readonly string _database;
    private readonly UnixFileMode _fileMode;
    private readonly SnapshotRecord? _parent;  // the newest snapshot, when this one continues it (same page size)
    private readonly bool _dryRun;
    private readonly SyncRun _run;
    private PageMap? _parentMap;
    private SnapshotPages? _existing;
    private SnapshotAddition? _addition;
    private DatabaseInfo _origin;
    private DateTimeOffset _pinned;

    private ArchiveReplicaSession(SnapshotArchive archive, IDisposable? heldLock, string database, OriginFile origin, bool dryRun, TimeSpan busyTimeout,
        SyncRun run)
    {
        _archive = archive;
        _lock = heldLock;
        _database = database;
        _fileMode = (UnixFileMode)origin.Mode;
        _run = run;
        var parent = archive.ParentOfNext();
        _unlocked = heldLock is null ? new UnlockedAdd(archive, parent?.Key, busyTimeout, run.Progress.Cancellation) : null;
        // A snapshot of another page size shares nothing with this one: every page comes again.
        _parent = parent is not null && parent.PageSize == origin.PageSize ? parent : null;
        _dryRun = dryRun;
        // Its record says all the hello needs; its map is read later, while the origin hashes (Loaded).
        Info = new DatabaseInfo(origin.PageSize, _parent?.PageCount ?? 0, _parent?.IsWal ?? false, HashSeed: archive.CompareSeed);
        run.DryRun = dryRun;
        run.PageSize = origin.PageSize;
        run.ReplicaPageCountBefore = Info.PageCount;
    }

    public DatabaseInfo Info { get; }

    public IPageScanner? Existing => Info.PageCount > 0 ? Loaded()._existing : null;

    public bool Writes => !_dryRun;

    /// <summary>The snapshot the commit added.</summary>
    public SnapshotRecord? Added { get; private set; }

    /// <summary>
    /// Opens a sync into <paramref name="archive"/> of the database named <paramref name="database"/>:
    /// takes the archive's lock (waiting up to <paramref name="busyTimeout"/>), then reads its newest snapshot.
    /// </summary>
    /// <exception cref="SyncException">The lock stayed taken, or the archive is damaged.</exception>
    public static ArchiveReplicaSession Open(SnapshotArchive archive, string database, OriginFile origin, bool dryRun, TimeSpan busyTimeout,
        SyncRun run)
    {
        if (!dryRun && !archive.Store.MayCreate)
        {
            throw new SyncException(SyncFailure.Refused, $"archive {archive.Location} may only be read with this key (--read-only): no snapshot " +
                "can be added to it");
        }
        var heldLock = archive.Store.PruneGrace > TimeSpan.Zero ? null : ArchiveLock.Take(archive, exclusive: !dryRun, busyTimeout, run.Progress.Cancellation);
        try
        {
            return new ArchiveReplicaSession(archive, heldLock, database, origin, dryRun, busyTimeout, run);
        }
        catch
        {
            heldLock?.Dispose();
            throw;
        }
    }

    public void OriginPinned(DatabaseInfo origin)
    {
        _origin = origin;
        _pinned = DateTimeOffset.UtcNow;
    }

    public HashTree HashTree(uint treePages, long seed, int threads)
    {
        if (seed != _archive.CompareSeed)
        {
            throw new Protocol.ProtocolException("the origin hashed its pages with another seed than the archive asked for");
        }
        _run.Progress.Enter(SyncPhase.Hashing, 0);
        var map = Loaded()._parentMap!;
        var tree = HashTrees.HashTree.FromLeaves(HashTreeShape.For(treePages), map.PageCount, map.Leaf);
        _run.ReplicaHashing = _run.HashingSoFar;
        return tree;
    }

    public void WritePage(uint pageNumber, ReadOnlySpan<byte> data, UInt128? oldLeaf = null)
    {
        try
        {
            Loaded()._addition!.AddPage(pageNumber, data);
        }
        catch (IOException e)
        {
            throw CannotWrite(e);
        }
    }

    public void Commit(uint pageCount)
    {
        _run.Progress.BeginCommit();
        _run.Progress.Enter(SyncPhase.Committing);
        if (_dryRun)
        {
            return;
        }
        try
        {
            Added = Loaded()._addition!.Commit(_database, pageCount, _origin.IsWal, _fileMode, _pinned);
        }
        catch (IOException e)
        {
            throw CannotWrite(e);
        }
    }

    private SyncException CannotWrite(IOException e) => new(SyncFailure.DiskFull,
        $"cannot write to archive {_archive.Location}: {e.Message}; it holds no new snapshot (free some space, then retry)", e);

    /// <summary>This session with the newest snapshot's map read, and the addition begun (once).</summary>
    /// <exception cref="SyncException">The map is damaged.</exception>
    private ArchiveReplicaSession Loaded()
    {
        if (_parentMap is null)
        {
            _parentMap = _parent is null ? PageMap.Empty(Info.PageSize) : _archive.MapOf(_parent, cached: true);
            _existing = _parent is null ? null : new SnapshotPages(_archive, _parent, _parentMap);
            _addition = _dryRun ? null : new SnapshotAddition(_archive, _parent, _parentMap, Info.PageSize, _unlocked);
        }
        return this;
    }

    public void Dispose()
    {
        // A sync that ended before its commit (failed, refused, cancelled) leaves the archive as it was.
        try
        {
            _addition?.Abandon();
        }
        finally
        {
            _unlocked?.Dispose();
            _lock?.Dispose();
        }
    }
}
