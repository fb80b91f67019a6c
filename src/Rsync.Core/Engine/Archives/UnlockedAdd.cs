namespace SqlRsync.Engine.Archives;

/// <summary>
/// An add that holds no lock, where the store gives a prune grace instead (object storage:
/// <see cref="Storage.ObjectStore.PruneGrace"/>). A prune deletes a pack only once it has been unneeded
/// for the whole grace, so what an add relies on (the snapshot it continues and what that one names,
/// and the packs and indexes it wrote itself) stays while the add is young. An add that runs past a
/// third of the grace takes the shared lock, which keeps every prune out from then on, and checks that
/// the parent's record and its own packs are still there; if not, it fails and adds nothing.
/// </summary>
internal sealed class UnlockedAdd : IDisposable
{
    private readonly SnapshotArchive _archive;
    private readonly string? _parentKey;
    private readonly TimeSpan _busyTimeout;
    private readonly CancellationToken _cancellation;
    private readonly long _started;
    private IDisposable? _lock;

    public UnlockedAdd(SnapshotArchive archive, string? parentKey, TimeSpan busyTimeout, CancellationToken cancellation)
    {
        _archive = archive;
        _parentKey = parentKey;
        _busyTimeout = busyTimeout;
        _cancellation = cancellation;
        _started = archive.Store.Clock.GetTimestamp();
    }

    /// <summary>Whether the add took the lock after all (it ran long).</summary>
    public bool Locked => _lock is not null;

    /// <summary>
    /// Called before each write: once the add is past a third of the grace, takes the shared lock (once)
    /// and checks that the parent's record and every object in <paramref name="written"/> are still there.
    /// </summary>
    /// <exception cref="SyncException">Something it relies on was pruned meanwhile, or the lock stayed taken.</exception>
    public void Check(Func<IEnumerable<string>> written)
    {
        if (_lock is not null || _archive.Store.Clock.GetElapsedTime(_started) < _archive.Store.PruneGrace / 3)
        {
            return;
        }
        _lock = ArchiveLock.Take(_archive, exclusive: false, _busyTimeout, _cancellation);
        var missing = (_parentKey is null ? [] : new[] { _parentKey }).Concat(written()).FirstOrDefault(key => !Exists(key));
        if (missing is not null)
        {
            throw new SyncException(SyncFailure.Busy, $"archive {_archive.Location}: {missing} was pruned while this snapshot was being added, " +
                "so none was added (run it again)");
        }
    }

    private bool Exists(string key)
    {
        try
        {
            _archive.Store.ReadRange(key, 0, []);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => _lock?.Dispose();
}
