using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Engine.Archives;

namespace SqlRsync.Topologies;

/// <summary>
/// A directory of databases into archives: each database the selection takes gets a snapshot in an
/// archive of its own, under the archive root by the database's relative name (`app.db` into
/// `ROOT/app.db/`, `tenants/a.db` into `ROOT/tenants/a.db/`), made if it does not exist. One failure
/// fails that database alone. A root on another host is one archive store session, which works on
/// each database's archive in turn (<see cref="ArchiveStoreClient.Select"/>): one login for them all.
/// </summary>
internal static class ArchiveDirectory
{
    public static DirectorySyncResult Run(string originDirectory, ArchiveEndpoint root, DirectoryOptions selection, SyncOptions options,
        IProgress<SyncProgress>? progress, CancellationToken cancellation)
    {
        if (!Directory.Exists(originDirectory))
        {
            throw new SyncException(SyncFailure.NotFound, $"origin directory {originDirectory} does not exist");
        }
        var (databases, refused) = DatabaseDirectory.List(originDirectory, selection.Recursive);
        // Loaded once, before any login, for a remote root; a local archive opens through its endpoint, which loads it.
        var key = root.Remote is null || root.KeyFile is null ? null : ArchiveKey.Load(root.KeyFile);
        // A dry run makes nothing, not even the root.
        using var session = root.Remote is { } remote ? ArchiveAccess.Connect(remote, create: !options.DryRun, options.BusyTimeout) : null;
        var outcomes = new List<SyncOutcome>();
        foreach (var name in databases.Where(selection.Takes))
        {
            cancellation.ThrowIfCancellationRequested();
            var archive = root.Storage is { } storage ? new ArchiveEndpoint(storage.Under(name)) { KeyFile = root.KeyFile }
                : new ArchiveEndpoint(Path.Combine(root.Path, name)) { KeyFile = root.KeyFile };
            Func<SnapshotArchive>? open = session is null ? null
                : () => options.DryRun ? ArchiveAccess.Open(session.Select(name, create: false), key)
                    : ArchiveAccess.OpenOrCreate(session.Select(name, create: true), key);
            try
            {
                if (session is null && root.Storage is null)
                {
                    // The archive itself is made by the add; the directories above it, here.
                    Directory.CreateDirectory(Path.GetDirectoryName(archive.Path)!);
                }
                var result = ArchiveSync.Add(SyncEndpoint.Local(Path.Combine(originDirectory, name)), archive, options,
                    new ProgressTracker(progress, cancellation), open);
                outcomes.Add(new SyncOutcome(name, result, null));
            }
            catch (SyncException failure)
            {
                outcomes.Add(new SyncOutcome(name, null, failure));
            }
            catch (IOException e)
            {
                outcomes.Add(new SyncOutcome(name, null, new SyncException(SyncFailure.Access, $"cannot make archive {archive.Path}: {e.Message}", e)));
            }
        }
        return new DirectorySyncResult(outcomes, [], refused, []);
    }
}
