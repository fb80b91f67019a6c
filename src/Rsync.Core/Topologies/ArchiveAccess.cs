using SqlRsync.Engine.Archives;
using SqlRsync.Storage;

namespace SqlRsync.Topologies;

/// <summary>Opens the archive an <see cref="ArchiveEndpoint"/> names: its store, its key, its config.</summary>
internal static class ArchiveAccess
{
    /// <summary>Opens the archive, which must exist.</summary>
    /// <exception cref="SyncException">There is none, or it cannot be opened with the key given.</exception>
    public static SnapshotArchive Open(ArchiveEndpoint archive)
    {
        var key = archive.KeyFile is null ? null : ArchiveKey.Load(archive.KeyFile);
        var store = DirectoryObjectStore.Open(archive.Path)
            ?? throw new SyncException(SyncFailure.NotFound, $"archive {archive.Path} does not exist (a sync into it with --archive makes it)");
        return SnapshotArchive.Open(store, key);
    }

    /// <summary>Opens the archive, making it first (with the key given, if any) when its directory does not exist.</summary>
    /// <exception cref="SyncException">It cannot be made or opened.</exception>
    public static SnapshotArchive OpenOrCreate(ArchiveEndpoint archive)
    {
        var key = archive.KeyFile is null ? null : ArchiveKey.Load(archive.KeyFile);
        var store = DirectoryObjectStore.Open(archive.Path);
        if (store is not null)
        {
            return SnapshotArchive.IsIn(store) || store.List("").Count > 0 ? SnapshotArchive.Open(store, key) : SnapshotArchive.Create(store, key);
        }
        try
        {
            store = DirectoryObjectStore.Create(archive.Path);
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.Access, $"cannot make archive {archive.Path}: {e.Message} (check that its parent directory exists and is " +
                "writable)", e);
        }
        return SnapshotArchive.Create(store, key);
    }
}
