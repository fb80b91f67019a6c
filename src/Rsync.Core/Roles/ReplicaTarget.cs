using SqlRsync.Pages;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Roles;

/// <summary>
/// The replica's database as one sync sees it, chosen by mode: a new file (nothing to compare; pages go
/// to a temporary file linked into place at the commit), an existing database (compared and written
/// inside one write transaction, taken when opened), or a dry run (compared inside a read transaction;
/// nothing written or created).
/// </summary>
internal sealed class ReplicaTarget : IDisposable
{
    private IDisposable? _owner;

    private ReplicaTarget(DatabaseInfo info, IPageScanner? existing, IPageWriter? writer, IDisposable? owner)
    {
        Info = info;
        Existing = existing;
        Writer = writer;
        _owner = owner;
    }

    /// <summary>What the replica holds now, as ReplicaInfo tells the origin.</summary>
    public DatabaseInfo Info { get; }

    /// <summary>Its pages to compare; null when it is new.</summary>
    public IPageScanner? Existing { get; }

    /// <summary>Where sent pages go; null in a dry run.</summary>
    public IPageWriter? Writer { get; }

    public bool IsNew => Existing is null;

    /// <summary>
    /// Opens <paramref name="path"/> for one sync; an empty or new file takes the origin's page size,
    /// and a new file the origin file's permission bits (<paramref name="origin"/>).
    /// <paramref name="waiting"/> is called when another process holds the write lock, before waiting for
    /// it; <paramref name="cancellation"/> ends that wait.
    /// </summary>
    public static ReplicaTarget Open(string path, bool dryRun, OriginFile origin, TimeSpan busyTimeout, Action waiting, CancellationToken cancellation)
    {
        int pageSize = origin.PageSize;
        if (!File.Exists(path))
        {
            var empty = new DatabaseInfo(pageSize, 0, IsWal: false);
            return dryRun ? new(empty, null, null, null) : CreateNew(path, empty, (UnixFileMode)origin.Mode);
        }
        if (dryRun)
        {
            var source = PageSource.OpenSnapshot(path, busyTimeout);
            return new(new DatabaseInfo(source.PageSize, source.PageCount, source.IsWal), source, null, source);
        }
        var sink = PageSink.Open(path, pageSize, busyTimeout, waiting, cancellation);
        return new(new DatabaseInfo(sink.PageSize, sink.PageCount, sink.IsWal), sink, sink, sink);
    }

    private static ReplicaTarget CreateNew(string path, DatabaseInfo info, UnixFileMode mode)
    {
        try
        {
            var file = NewReplicaFile.Create(path, info.PageSize, mode);
            return new(info, null, file, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SyncException(SyncFailure.Access, $"cannot create replica {path}: {e.Message} (check that its directory exists and is writable)", e);
        }
    }

    /// <summary>Rolls back whatever was not committed: the replica stays as it was. Only the first call does anything.</summary>
    /// <exception cref="SyncException">The rollback could not complete.</exception>
    public void Dispose()
    {
        var owner = _owner;
        _owner = null;
        owner?.Dispose();
    }
}
