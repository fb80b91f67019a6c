using SqlRsync.Dialects;
using SqlRsync.Engine.Archives;
using SqlRsync.Links;
using SqlRsync.Storage;

namespace SqlRsync.Topologies;

/// <summary>
/// Opens the archive an <see cref="ArchiveEndpoint"/> names: its store (a directory here, an archive
/// store agent on another host, or object storage), its key, its config.
/// </summary>
internal static class ArchiveAccess
{
    /// <summary>Opens the archive, which must exist.</summary>
    /// <exception cref="SyncException">There is none, or it cannot be opened with the key given.</exception>
    public static SnapshotArchive Open(ArchiveEndpoint archive, TimeSpan busyTimeout)
    {
        var key = archive.KeyFile is null ? null : ArchiveKey.Load(archive.KeyFile);
        ObjectStore store = archive.Storage is { } storage ? storage.Open()
            : archive.Remote is { } remote ? Connect(remote, create: false, busyTimeout)
            : DirectoryObjectStore.Open(archive.Path)
                ?? throw new SyncException(SyncFailure.NotFound, $"archive {archive.Path} does not exist (a sync into it with --archive makes it)");
        return Open(store, key);
    }

    /// <summary>Opens the archive in <paramref name="store"/>; the store is let go if that fails.</summary>
    /// <exception cref="SyncException">It is no archive, or cannot be opened with the key given.</exception>
    public static SnapshotArchive Open(ObjectStore store, ArchiveKey? key) => Opened(store, () => SnapshotArchive.Open(store, key));

    /// <summary>Opens the archive in <paramref name="store"/>, making it (with the key given, if any) when the store is empty.</summary>
    /// <exception cref="SyncException">It cannot be made or opened.</exception>
    public static SnapshotArchive OpenOrCreate(ObjectStore store, ArchiveKey? key) =>
        Opened(store, () => SnapshotArchive.OpenIfIn(store, key)
            ?? (store.List("").Count > 0 ? SnapshotArchive.Open(store, key) : SnapshotArchive.Create(store, key)));

    /// <summary>Opens the archive, making it first (with the key given, if any) when its directory does not exist.</summary>
    /// <exception cref="SyncException">It cannot be made or opened.</exception>
    public static SnapshotArchive OpenOrCreate(ArchiveEndpoint archive, TimeSpan busyTimeout)
    {
        var key = archive.KeyFile is null ? null : ArchiveKey.Load(archive.KeyFile);
        ObjectStore? store = archive.Storage is { } storage ? storage.Open()
            : archive.Remote is { } remote ? Connect(remote, create: true, busyTimeout) : DirectoryObjectStore.Open(archive.Path);
        if (store is not null)
        {
            return OpenOrCreate(store, key);
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
        return Opened(store, () => SnapshotArchive.Create(store, key));
    }

    /// <summary>The archive <paramref name="open"/> makes of <paramref name="store"/>; the store is let go if it fails.</summary>
    private static SnapshotArchive Opened(ObjectStore store, Func<SnapshotArchive> open)
    {
        try
        {
            return open();
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts the archive store agent on <paramref name="remote"/>'s host and opens its store (an
    /// archive, or a root of archives for <see cref="ArchiveStoreClient.Select"/>).
    /// </summary>
    /// <exception cref="SyncException">The agent cannot be started, or refused.</exception>
    public static ArchiveStoreClient Connect(RemoteEndpoint remote, bool create, TimeSpan busyTimeout)
    {
        var link = PeerLink.ToAgent(remote, new AgentRequest(AgentRole.Archive, remote.Path) { BusyTimeout = busyTimeout });
        try
        {
            return new ArchiveStoreClient(remote.ToString(), link.FromPeer, link.ToPeer, create, () =>
            {
                try
                {
                    link.Finish();
                }
                catch (SyncException)
                {
                    // The session is over either way; what it did is already answered.
                }
                link.Dispose();
            });
        }
        catch (SyncException failure)
        {
            var explained = link.Explain(failure);
            link.Dispose();
            throw explained;
        }
    }
}
