using System.Security.Cryptography;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine;

/// <summary>
/// One sync as the origin's database lives it, whichever protocol carries it, and however many
/// replicas share it: <see cref="Open"/> (the path checked; a connection, no transaction yet), the
/// snapshot pinned only once the replica holds its write lock (<see cref="Pin"/>, which checks it),
/// hashed into a tree with the sync's seed, read, and released as soon as the last page has left. The
/// origin is only ever read. It knows nothing of messages.
/// </summary>
internal sealed class OriginSession : IOriginSession
{
    private OriginSession(PageSource pages) => Pages = pages;

    /// <summary>The origin's pages: before <see cref="Pin"/>, only its page size and file mode may be read.</summary>
    public PageSource Pages { get; }

    IPageScanner IOriginSession.Pages => Pages;

    public int AnnouncedPageSize => Pages.ReadPageSize();

    public int FileMode => Pages.FileMode;

    /// <summary>A fresh random seed for this sync's hash tree.</summary>
    public long HashSeed { get; } = NewHashSeed();

    public int PageSize => Pages.PageSize;

    public bool IsWal => Pages.IsWal;

    public long PagesRead => Pages.PagesRead;

    /// <summary>Opens the origin at <paramref name="checkedPath"/>, which <see cref="PathChecks.Origin"/> returned.</summary>
    /// <exception cref="Sqlite.SqliteCallException">The file cannot be opened.</exception>
    public static OriginSession Open(string checkedPath, TimeSpan busyTimeout) => new(PageSource.Open(checkedPath, busyTimeout));

    /// <summary>A fresh random seed for one sync's hash tree, never 0 (the unseeded hash).</summary>
    public static long NewHashSeed() => BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) | 1;

    /// <summary>
    /// Pins the snapshot every page of this sync is read from, and checks it: it has pages, is WAL if
    /// <paramref name="walOnly"/>, and kept the page size the origin announced before pinning it.
    /// </summary>
    public void Pin(int announcedPageSize, bool walOnly)
    {
        Pages.PinSnapshot();
        if (Pages.PageCount == 0)
        {
            throw Empty(Pages.Path);
        }
        if (walOnly && !Pages.IsWal)
        {
            throw new SyncException(SyncFailure.Incompatible, $"origin {Pages.Path} is not a WAL database and --wal-only was given");
        }
        if (Pages.PageSize != announcedPageSize)
        {
            throw new SyncException(SyncFailure.Incompatible,
                $"origin {Pages.Path} changed its page size from {announcedPageSize} to {Pages.PageSize} bytes while the sync started (a VACUUM); " +
                "run it again");
        }
    }

    public static SyncException Empty(string path) =>
        new(SyncFailure.Incompatible, $"origin {path} is empty (0 pages): there is nothing to copy");

    /// <summary>
    /// Hashes the pinned snapshot into a tree shaped for <paramref name="treePages"/> with <paramref name="seed"/>, on
    /// <paramref name="threads"/> threads.
    /// </summary>
    public HashTree HashTree(uint treePages, long seed, int threads, ProgressTracker progress)
    {
        using var readers = Pages.ForThreads(threads);
        return HashTree(readers, Pages.PageSize, treePages, seed, progress);
    }

    /// <summary>
    /// Hashes a snapshot's pages into a tree shaped for <paramref name="treePages"/> with <paramref name="seed"/>, one
    /// thread per reader of <paramref name="snapshot"/> (the replica hashes its own at the same time).
    /// </summary>
    public static HashTree HashTree(ScannerGroup snapshot, int pageSize, uint treePages, long seed, ProgressTracker progress)
    {
        progress.Enter(SyncPhase.Hashing, Math.Min(treePages, snapshot.Scanners[0].PageCount));
        return HashTrees.HashTree.Build(HashTreeShape.For(treePages), snapshot.Scanners, pageSize, progress.Advance, seed: seed);
    }

    /// <summary>Ends the snapshot: in rollback-journal mode its read lock holds up the origin's writers.</summary>
    public void Release() => Pages.ReleaseSnapshot();

    public void Dispose() => Pages.Dispose();
}
