using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine;

/// <summary>
/// What our protocol's origin dialect asks of the origin, whichever kind it is: a live database
/// (<see cref="OriginSession"/>) or a snapshot in an archive, which a restore sends
/// (<see cref="SnapshotOriginSession"/>). It is only ever read.
/// </summary>
internal interface IOriginSession : IDisposable
{
    /// <summary>The page size to announce before the pin (a new replica takes it before it takes its lock).</summary>
    int AnnouncedPageSize { get; }

    /// <summary>The permission bits a new replica file takes.</summary>
    int FileMode { get; }

    /// <summary>The seed to hash with unless the replica's stored hashes have their own: a fresh one per sync, or the archive's.</summary>
    long HashSeed { get; }

    /// <summary>Pins the snapshot every page is read from, and checks it (pages, --wal-only, the page size announced).</summary>
    void Pin(int announcedPageSize, bool walOnly);

    /// <summary>The pinned snapshot's pages.</summary>
    IPageScanner Pages { get; }

    int PageSize { get; }

    bool IsWal { get; }

    /// <summary>
    /// The pinned snapshot's pages, hashed into a tree with <paramref name="seed"/>, shaped for <paramref name="treePages"/>
    /// (the replica's page count when it sends its levels unasked: pages past it are not in the tree).
    /// </summary>
    HashTree HashTree(uint treePages, long seed, int threads, ProgressTracker progress);

    /// <summary>Ends the snapshot, once the last page has left.</summary>
    void Release();

    /// <summary>Pages read so far.</summary>
    long PagesRead { get; }
}
