using SqlRsync.Pages;

namespace SqlRsync.Roles;

/// <summary>What an origin checks once its snapshot is pinned, in either protocol.</summary>
internal static class OriginSnapshotChecks
{
    public static SyncException Empty(string path) =>
        new(SyncFailure.Incompatible, $"origin {path} is empty (0 pages): there is nothing to copy");

    /// <summary>The snapshot has pages, is WAL if <paramref name="walOnly"/>, and kept the page size announced before it was pinned.</summary>
    public static void Check(PageSource source, int announcedPageSize, bool walOnly)
    {
        if (source.PageCount == 0)
        {
            throw Empty(source.Path);
        }
        if (walOnly && !source.IsWal)
        {
            throw new SyncException(SyncFailure.Incompatible, $"origin {source.Path} is not a WAL database and --wal-only was given");
        }
        if (source.PageSize != announcedPageSize)
        {
            throw new SyncException(SyncFailure.Incompatible, $"origin {source.Path} changed its page size from {announcedPageSize} to {source.PageSize} bytes while the sync started (a VACUUM); run it again");
        }
    }
}
