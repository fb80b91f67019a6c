namespace SqlRsync.Engine.Archives;

/// <summary>
/// The archive's lock: exclusive for what writes (adding a snapshot, pruning), shared for what only
/// reads (listing, restoring, verifying), so that nothing reads what a prune removes. Two writers never
/// run at once; the second waits, up to the busy timeout, then fails with one line.
/// </summary>
internal static class ArchiveLock
{
    /// <exception cref="SyncException">Another holder kept it past <paramref name="wait"/>, or it cannot be taken.</exception>
    public static IDisposable Take(SnapshotArchive archive, bool exclusive, TimeSpan wait, CancellationToken cancellation)
    {
        try
        {
            return archive.Store.Lock(exclusive, wait, cancellation);
        }
        catch (TimeoutException)
        {
            throw new SyncException(SyncFailure.Busy,
                $"archive {archive.Location} is in use by another sqlrsync ({(exclusive ? "adding, pruning or reading" : "adding or pruning")}); " +
                $"gave up after {wait.TotalSeconds:0.#} s (wait for it, or raise --busy-timeout)");
        }
        catch (IOException e)
        {
            throw new SyncException(SyncFailure.Access, $"cannot lock archive {archive.Location}: {e.Message}", e);
        }
    }
}
