using SqlRsync.Engine.Archives;
using SqlRsync.Storage;
using SqlRsync.Topologies;

namespace SqlRsync;

/// <summary>
/// What can be done to a snapshot archive besides syncing with it (<see cref="DatabaseSync.RunAsync"/>
/// adds and restores snapshots): list its snapshots, verify it, prune it, and make keys for encrypted
/// archives.
/// </summary>
public static class SnapshotArchives
{
    /// <summary>Whether <paramref name="directory"/> holds a snapshot archive.</summary>
    public static bool Exists(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using var store = DirectoryObjectStore.Open(directory);
        return store is not null && SnapshotArchive.IsIn(store);
    }

    /// <summary>
    /// Writes a new random encryption key to <paramref name="path"/>, readable by its owner only. Keep it
    /// apart from the archive: without it an encrypted archive cannot be read, by anyone.
    /// </summary>
    /// <exception cref="SyncException">The file exists, or cannot be written.</exception>
    public static void MakeKey(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            ArchiveKey.Make(path);
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.Access, $"cannot make the key {path}: {e.Message} (a key file is never overwritten)", e);
        }
    }

    /// <summary>The snapshots of <paramref name="archive"/>, oldest first.</summary>
    /// <param name="archive">The archive, with its key if it is encrypted.</param>
    /// <param name="busyTimeout">How long to wait while another sqlrsync prunes it; null for 30 s.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="SyncException">It does not exist, cannot be opened with the key given, or is damaged.</exception>
    public static Task<IReadOnlyList<SnapshotInfo>> ListAsync(ArchiveEndpoint archive, TimeSpan? busyTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return Locked(archive, exclusive: false, busyTimeout, CannotRead(archive),
            opened => (IReadOnlyList<SnapshotInfo>)[.. opened.Snapshots().Select(snapshot => snapshot.ToInfo())], cancellationToken);
    }

    /// <summary>
    /// Reads everything the snapshots of <paramref name="archive"/> need and checks it against its
    /// hashes (docs/archive.md, "Verifying"). Damage is reported in the result, not thrown.
    /// </summary>
    /// <param name="archive">The archive, with its key if it is encrypted; with <see cref="ArchiveEndpoint.At"/>, only that snapshot.</param>
    /// <param name="busyTimeout">How long to wait while another sqlrsync adds to it or prunes it; null for 30 s.</param>
    /// <param name="cancellationToken">Stops the wait and the reading.</param>
    /// <exception cref="SyncException">It does not exist, or cannot be opened with the key given.</exception>
    public static Task<VerifyResult> VerifyAsync(ArchiveEndpoint archive, TimeSpan? busyTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return Locked(archive, exclusive: false, busyTimeout, CannotRead(archive),
            opened => ArchiveVerification.Run(opened, archive.At is null ? null : opened.Find(archive.At), cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Removes the snapshots <paramref name="retention"/> does not keep and the storage only they needed
    /// (docs/archive.md, "Pruning"). Safe to interrupt at any point: every kept snapshot stays whole.
    /// </summary>
    /// <param name="archive">The archive, with its key if it is encrypted.</param>
    /// <param name="retention">Which snapshots to keep; at least one of its counts must be above 0.</param>
    /// <param name="dryRun">Report what would be removed; remove nothing.</param>
    /// <param name="busyTimeout">How long to wait while another sqlrsync uses the archive; null for 30 s.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="ArgumentException">The retention keeps nothing but the newest snapshot by accident: every count is 0.</exception>
    /// <exception cref="SyncException">It does not exist, cannot be opened with the key given, or is damaged (then nothing is removed).</exception>
    public static Task<PruneResult> PruneAsync(ArchiveEndpoint archive, SnapshotRetention retention, bool dryRun = false, TimeSpan? busyTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(retention);
        if (retention is { KeepLast: <= 0, KeepDaily: <= 0, KeepWeekly: <= 0, KeepMonthly: <= 0 })
        {
            throw new ArgumentException("say which snapshots to keep: --keep-last, --keep-daily, --keep-weekly or --keep-monthly N", nameof(retention));
        }
        return Locked(archive, exclusive: !dryRun, busyTimeout,
            e => $"archive {archive.Path}: cannot prune: {e.Message} (every kept snapshot is whole; run the prune again)",
            opened => ArchivePruning.Run(opened, retention, dryRun), cancellationToken);
    }

    /// <summary>
    /// Opens <paramref name="archive"/>, takes its lock (waiting up to <paramref name="busyTimeout"/>, null for
    /// 30 s) and runs <paramref name="work"/> on a thread of the pool; a store that cannot be read or written
    /// (a lost connection, a permission) is one line, which <paramref name="failure"/> words.
    /// </summary>
    private static Task<T> Locked<T>(ArchiveEndpoint archive, bool exclusive, TimeSpan? busyTimeout, Func<IOException, string> failure,
        Func<SnapshotArchive, T> work, CancellationToken cancellationToken) => Task.Run(() =>
        {
            var wait = busyTimeout ?? new SyncOptions().BusyTimeout;
            using var opened = ArchiveAccess.Open(archive, wait);
            using var held = ArchiveLock.Take(opened, exclusive, wait, cancellationToken);
            try
            {
                return work(opened);
            }
            catch (IOException e)
            {
                throw new SyncException(SyncFailure.Access, failure(e), e);
            }
        }, cancellationToken);

    private static Func<IOException, string> CannotRead(ArchiveEndpoint archive) => e => $"cannot read archive {archive}: {e.Message}";
}
