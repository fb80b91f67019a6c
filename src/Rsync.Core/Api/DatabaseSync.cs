using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Engine.Safety;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;
using SqlRsync.Topologies;

namespace SqlRsync;

/// <summary>
/// Makes a replica an exact, consistent copy of a live SQLite database, sending only the pages that
/// differ. The origin is read inside one snapshot and never written; the replica takes every change in
/// one transaction, so it ends as an exact copy of that snapshot or — if anything fails or the sync is
/// cancelled — exactly as it was. Other programs may go on writing the origin and reading the replica.
/// </summary>
public static class DatabaseSync
{
    /// <summary>Syncs <paramref name="replica"/> from <paramref name="origin"/>; at most one of them may be remote.</summary>
    /// <param name="origin">The database to copy.</param>
    /// <param name="replica">The database to make an exact copy; created if missing.</param>
    /// <param name="options">How to sync; null for the defaults.</param>
    /// <param name="progress">Told where this side is: at each phase and about four times a second.</param>
    /// <param name="cancellationToken">Stops the sync at the next page or message; the replica stays as it was.</param>
    /// <returns>What this side saw (for a local sync, the origin's side).</returns>
    /// <exception cref="SyncException">The sync failed; <see cref="SyncException.Reason"/> says why.</exception>
    /// <exception cref="OperationCanceledException">The sync was cancelled.</exception>
    /// <exception cref="ArgumentException">Both endpoints are remote, or they are the same file.</exception>
    public static Task<SyncResult> RunAsync(SyncEndpoint origin, SyncEndpoint replica, SyncOptions? options = null,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(replica);
        if (origin is RemoteEndpoint && replica is RemoteEndpoint)
        {
            throw new ArgumentException($"both {origin} and {replica} are remote; one side must be a local path (write ./NAME for a local file " +
                "whose name has a ':')", nameof(replica));
        }
        RefuseSameFile(origin, replica, nameof(replica));
        var settings = options ?? new SyncOptions();
        WarnAboutFilesystems(settings, origin, [replica]);
        return Start(() => Run(origin, replica, settings, new ProgressTracker(progress, cancellationToken)), cancellationToken);
    }

    /// <summary>
    /// Makes every one of <paramref name="replicas"/> (local paths and remote endpoints, mixed) an exact
    /// copy of one snapshot of the local database <paramref name="origin"/>: the origin is read and
    /// hashed once, and each replica is compared against that and sent its own differing pages,
    /// several at once (<see cref="SyncOptions.Jobs"/>). A replica that fails (its host down, its disk
    /// full, its lock busy) is left exactly as it was and does not stop the others; each gets its
    /// <see cref="SyncOutcome"/>, in the order given. A failure of the origin itself fails them all.
    /// </summary>
    /// <param name="origin">The local database to copy from.</param>
    /// <param name="replicas">The databases to make copies, at least one; no two the same.</param>
    /// <param name="options">How to sync; null for the defaults.</param>
    /// <param name="progress">Receives the origin's progress: hashing once, then sending to all.</param>
    /// <param name="cancellationToken">Cancels every replica that has not begun its commit.</param>
    /// <exception cref="ArgumentException">The origin is remote, no replica is given, or one is given twice (or is the origin).</exception>
    public static Task<IReadOnlyList<SyncOutcome>> RunToManyAsync(SyncEndpoint origin, IReadOnlyList<SyncEndpoint> replicas, SyncOptions? options = null,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckReplicas(origin, replicas, "with several replicas");
        // The origin and every local replica hash in this process, at the same time.
        var settings = (options ?? new SyncOptions()).SharingCores(replicas.Count(replica => replica is not RemoteEndpoint));
        WarnAboutFilesystems(settings, origin, replicas);
        return Start(() => FanOutSync.Run(origin.Path, replicas, settings, new ProgressTracker(progress, cancellationToken)), cancellationToken);
    }

    /// <summary>
    /// Keeps every one of <paramref name="replicas"/> (local paths, remote endpoints and archives, mixed)
    /// a copy of the local database <paramref name="origin"/> until cancelled: whenever the origin
    /// commits, a cycle syncs one snapshot of it to each replica that is behind, with every guarantee of
    /// <see cref="RunToManyAsync"/>; commits that come faster than <see cref="WatchOptions.Interval"/>
    /// are carried together by the next cycle, and an archive takes a snapshot at most every
    /// <see cref="WatchOptions.SnapshotEvery"/>. Between cycles the origin holds no read transaction and
    /// no lock of ours. A replica that fails (its host down, its disk full) is left as it was and tried
    /// again, less often while it keeps failing; what happens is said through
    /// <see cref="SyncOptions.Warnings"/>, once. A missing origin is waited for; one moved over is followed.
    /// </summary>
    /// <param name="origin">The local database to keep the replicas copies of; it must exist when the watch starts.</param>
    /// <param name="replicas">The databases and archives to keep fresh, at least one; no two the same.</param>
    /// <param name="options">How often, and how each cycle syncs; null for the defaults.</param>
    /// <param name="cycles">Told of each cycle when it has ended, on the watch's thread.</param>
    /// <param name="cancellationToken">Ends the watch: the cycle under way ends as a cancelled sync does (every replica at a committed state).</param>
    /// <returns>How the watch went; it ends only when cancelled.</returns>
    /// <exception cref="SyncException">The origin does not exist or cannot be read when the watch starts.</exception>
    /// <exception cref="ArgumentException">The origin is remote or an archive, no replica is given, or one is given twice (or is the origin).</exception>
    public static Task<WatchSummary> WatchAsync(SyncEndpoint origin, IReadOnlyList<SyncEndpoint> replicas, WatchOptions? options = null,
        IProgress<WatchCycle>? cycles = null, CancellationToken cancellationToken = default)
    {
        CheckReplicas(origin, replicas, "a watch");
        var settings = options ?? new WatchOptions();
        WarnAboutFilesystems(settings.Sync, origin, replicas);
        return Task.Factory.StartNew(() => WatchSync.Run(origin.Path, replicas, settings, cycles, cancellationToken), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Syncs every SQLite database in the directory <paramref name="origin"/> (recognised by its header;
    /// never a -wal, -shm or -journal file) into the directory <paramref name="replica"/>, each from its
    /// own snapshot and with the same guarantees as a single sync; new databases are created there.
    /// Either directory may be remote: then all databases travel over one connection to one remote
    /// agent. A database that fails is left as it was and does not stop the others. Databases only on
    /// the replica side are reported, and deleted only with <see cref="DirectoryOptions.Delete"/>
    /// (docs/usage.md says with what care).
    /// </summary>
    /// <param name="origin">The directory to copy databases from.</param>
    /// <param name="replica">The directory to copy them into; it must exist.</param>
    /// <param name="selection">Which databases: subdirectories, include and exclude globs; null for every database directly in it.</param>
    /// <param name="options">How to sync each database; null for the defaults.</param>
    /// <param name="progress">Receives each database's progress in turn.</param>
    /// <param name="cancellationToken">Cancels the database under way (unless it has begun its commit) and those after it.</param>
    /// <exception cref="SyncException">The session itself failed: a directory is missing, the connection failed.</exception>
    public static Task<DirectorySyncResult> RunDirectoryAsync(SyncEndpoint origin, SyncEndpoint replica, DirectoryOptions? selection = null,
        SyncOptions? options = null,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(replica);
        if (origin is RemoteEndpoint && replica is RemoteEndpoint)
        {
            throw new ArgumentException($"both {origin} and {replica} are remote; one side must be a local directory", nameof(replica));
        }
        if (origin is not RemoteEndpoint && replica is not RemoteEndpoint && Directory.Exists(replica.Path) && FileIdentity.IsSameFile(origin.Path,
            replica.Path))
        {
            throw new ArgumentException($"origin and replica are the same directory ({origin.Path}); name a different replica directory", nameof(replica));
        }
        var settings = options ?? new SyncOptions();
        var choice = selection ?? new DirectoryOptions();
        if (replica is ArchiveEndpoint root)
        {
            if (origin is RemoteEndpoint)
            {
                throw new ArgumentException("a directory of databases goes into archives from a directory on this machine (the archives may be on " +
                    "another host)", nameof(origin));
            }
            if (choice.Delete)
            {
                throw new ArgumentException("--delete removes replicas, and archives keep history: prune them instead (--prune)", nameof(selection));
            }
            return Start(() => ArchiveDirectory.Run(origin.Path, root, choice, settings, progress, cancellationToken), cancellationToken);
        }
        return Start(() => DirectoryTransfer.Run(origin, replica, choice, settings, progress, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Plays the origin's side of a sync over a pair of streams, for a transport of your own: the peer
    /// runs <see cref="RunReplicaAsync"/> (or `sqlrsync --replica PATH`) with the other ends.
    /// </summary>
    /// <param name="originPath">The database to copy.</param>
    /// <param name="input">What the peer sends.</param>
    /// <param name="output">Where to send to the peer.</param>
    /// <param name="options">How to sync (null <see cref="SyncOptions.Compress"/> means off); the peer's options are added to these.</param>
    /// <param name="progress">Told where this side is.</param>
    /// <param name="cancellationToken">Stops at the next page or message; a read blocked on <paramref name="input"/> ends when the stream is closed.</param>
    /// <returns>What this side saw.</returns>
    /// <exception cref="SyncException">The sync failed.</exception>
    /// <exception cref="OperationCanceledException">The sync was cancelled.</exception>
    public static Task<SyncResult> RunOriginAsync(string originPath, Stream input, Stream output, SyncOptions? options = null,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var settings = options ?? new SyncOptions();
        return Start(() => SqlRsyncOrigin.Run(originPath, input, output, settings, new ProgressTracker(progress, cancellationToken)), cancellationToken);
    }

    /// <summary>Plays the replica's side of a sync over a pair of streams, for a transport of your own (see <see cref="RunOriginAsync"/>).</summary>
    /// <param name="replicaPath">The database to make an exact copy; created if missing.</param>
    /// <param name="input">What the peer sends.</param>
    /// <param name="output">Where to send to the peer.</param>
    /// <param name="options">How to sync; the peer's options are added to these.</param>
    /// <param name="progress">Told where this side is.</param>
    /// <param name="cancellationToken">Stops at the next page or message; the replica stays as it was.</param>
    /// <returns>What this side saw.</returns>
    /// <exception cref="SyncException">The sync failed; the replica is as it was.</exception>
    /// <exception cref="OperationCanceledException">The sync was cancelled; the replica is as it was.</exception>
    public static Task<SyncResult> RunReplicaAsync(string replicaPath, Stream input, Stream output, SyncOptions? options = null,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var settings = options ?? new SyncOptions();
        return Start(() => SqlRsyncReplica.Run(replicaPath, input, output, settings, new ProgressTracker(progress, cancellationToken)), cancellationToken);
    }

    /// <summary>
    /// Lends sqlrsync's SQLite (the library its syncs run on) to SQLitePCLRaw, so that the application's
    /// own Microsoft.Data.Sqlite.Core connections use it too. Call it before the application's first
    /// connection when the application opens the databases it syncs: two copies of SQLite in one process
    /// break each other's locks on a file both have open. A sync itself does not need it.
    /// </summary>
    /// <returns>The version of sqlrsync's SQLite, such as "3.54.1".</returns>
    /// <exception cref="SyncException">The application already set another SQLite through SQLitePCLRaw (<see cref="SyncFailure.Incompatible"/>).</exception>
    public static string InitializeSqlite()
    {
        SqliteLibrary.ShareWithSqlitePclRaw();
        return SqliteLibrary.Version;
    }

    /// <summary>The version of the SQLite sqlrsync runs on, such as "3.54.1".</summary>
    public static string SqliteVersion => SqliteLibrary.Version;

    /// <summary>Whether that SQLite has sqlite_dbpage, without which it cannot sync (a broken build).</summary>
    public static bool SqliteHasDbpage => SqliteLibrary.HasDbpage;

    private static SyncResult Run(SyncEndpoint origin, SyncEndpoint replica, SyncOptions options, ProgressTracker progress)
    {
        if (origin is ArchiveEndpoint && replica is ArchiveEndpoint)
        {
            throw new ArgumentException($"both {origin} and {replica} are archives: restore the snapshot into a database, then add that to the other " +
                "archive", nameof(replica));
        }
        if (replica is ArchiveEndpoint archive)
        {
            return ArchiveSync.Add(origin, archive, options, progress);
        }
        if (origin is ArchiveEndpoint snapshot)
        {
            return ArchiveSync.Restore(snapshot, replica, options, progress);
        }
        if (origin is RemoteEndpoint || replica is RemoteEndpoint)
        {
            try
            {
                return RemoteSync.Run(origin, replica, options, progress);
            }
            catch (SyncException failure) when (failure.Reason == SyncFailure.IsArchive && FailureText.IsRelayed(failure))
            {
                // The far side is an archive (made by an earlier --archive): add to it, or restore its newest snapshot.
                return replica is RemoteEndpoint remoteArchive ? ArchiveSync.Add(origin, new ArchiveEndpoint(remoteArchive), options, progress)
                    : ArchiveSync.Restore(new ArchiveEndpoint((RemoteEndpoint)origin), replica, options, progress);
            }
        }
        PathChecks.Origin(origin.Path);
        PathChecks.Replica(replica.Path);
        return LocalSync.Run(origin.Path, replica.Path, options.ForLink(acrossNetwork: false).SharingCores(replicas: 1), progress);
    }

    /// <summary>A local origin and at least one replica, each named once, none the origin's own file.</summary>
    private static void CheckReplicas(SyncEndpoint origin, IReadOnlyList<SyncEndpoint> replicas, string what)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(replicas);
        if (origin is RemoteEndpoint or ArchiveEndpoint)
        {
            throw new ArgumentException($"{what} the origin must be a local database, not {origin}", nameof(origin));
        }
        if (replicas.Count == 0)
        {
            throw new ArgumentException("give at least one replica", nameof(replicas));
        }
        if (replicas.GroupBy(replica => replica.ToString()).FirstOrDefault(group => group.Count() > 1) is { } repeated)
        {
            throw new ArgumentException($"{repeated.Key} is named twice; name each replica once", nameof(replicas));
        }
        var locals = replicas.Where(replica => replica is not RemoteEndpoint && File.Exists(replica.Path)).ToList();
        foreach (var replica in locals)
        {
            RefuseSameFile(origin, replica, nameof(replicas));
            if (locals.FirstOrDefault(other => other != replica && FileIdentity.IsSameFile(other.Path, replica.Path)) is { } twin)
            {
                throw new ArgumentException($"{replica.Path} and {twin.Path} are the same file; name each replica once", nameof(replicas));
            }
        }
    }

    /// <summary>A local replica that is the origin's own file (by name, link or hard link) is a mistake in the call.</summary>
    private static void RefuseSameFile(SyncEndpoint origin, SyncEndpoint replica, string parameter)
    {
        if (origin is not RemoteEndpoint && replica is not RemoteEndpoint && File.Exists(replica.Path) && FileIdentity.IsSameFile(origin.Path, replica.Path))
        {
            throw new ArgumentException($"origin and replica are the same file ({replica.Path}); name a different replica", parameter);
        }
    }

    /// <summary>Tells <see cref="SyncOptions.Warnings"/> about each side on this machine that lives on a network filesystem.</summary>
    private static void WarnAboutFilesystems(SyncOptions options, SyncEndpoint origin, IEnumerable<SyncEndpoint> replicas)
    {
        if (origin is not RemoteEndpoint)
        {
            UnsafeFilesystem.Warn(options.Warnings, "origin", origin.Path);
        }
        foreach (var replica in replicas.Where(replica => replica is not RemoteEndpoint))
        {
            UnsafeFilesystem.Warn(options.Warnings, "replica", replica.Path);
        }
    }

    /// <summary>Runs a side on a thread of its own (it blocks on SQLite and on its streams); a failure after cancellation is the cancellation.</summary>
    private static Task<T> Start<T>(Func<T> sync, CancellationToken cancellationToken) => Task.Factory.StartNew(() =>
    {
        try
        {
            return sync();
        }
        catch (Exception e) when (e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the sync was cancelled; the replica is as it was", e, cancellationToken);
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
