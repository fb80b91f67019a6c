using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Safety;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Engine;

/// <summary>
/// The replica's database as one sync sees it, chosen by mode: a new file (nothing to compare; pages go
/// to a temporary file linked into place at the commit), an existing database (compared and written
/// inside one write transaction, taken when opened), one of another page size than the origin's
/// (rebuilt whole like a new file and renamed over the old one, <see cref="ReplicaReplacement"/>), or a
/// dry run (compared inside a read transaction; nothing written or created).
/// </summary>
internal sealed class ReplicaTarget : IDisposable
{
    private IDisposable? _owner;

    private ReplicaTarget(DatabaseInfo info, IPageScanner? existing, IPageWriter? writer, IDisposable? owner, ReplacedFile? replaced = null)
    {
        Info = info;
        Existing = existing;
        Writer = writer;
        _owner = owner;
        Replaced = replaced;
    }

    /// <summary>A replica file of another page size, which this sync replaces whole: its page size, page count and content digest.</summary>
    public sealed record ReplacedFile(int PageSize, uint PageCount, string Content);

    /// <summary>The file this sync replaces whole (or, in a dry run, would), or null.</summary>
    public ReplacedFile? Replaced { get; }

    /// <summary>What the replica holds now, as ReplicaInfo tells the origin.</summary>
    public DatabaseInfo Info { get; }

    /// <summary>Its pages to compare; null when it is new.</summary>
    public IPageScanner? Existing { get; }

    /// <summary>Where sent pages go; null in a dry run.</summary>
    public IPageWriter? Writer { get; }

    public bool IsNew => Existing is null;

    /// <summary>
    /// Under the replica's lock, unless <paramref name="force"/>d: reads sqlrsync's record of the
    /// replica and refuses one that holds pages sqlrsync never wrote; a file being replaced whole is
    /// also checked against the record now (its pages are hashed here, not compared). The record, or
    /// null when there is none (or the replica is new, or forced).
    /// </summary>
    /// <exception cref="SyncException">Refused by the guard.</exception>
    public ReplicaState? ReadRecordAndGuard(string path, bool force)
    {
        if (force || IsNew && Replaced is null)
        {
            return null;
        }
        var state = ReplicaState.Read(path);
        ReplicaGuard.RefuseIfNeverWritten(path, Replaced?.PageCount ?? Info.PageCount, state);
        if (Replaced is { } old && state is not null)
        {
            ReplicaGuard.RefuseIfChanged(path, state, old.Content);
        }
        return state;
    }

    /// <summary>The replica's content before the sync, for its record: <paramref name="hashed"/> (its pages as hashed), the replaced file's, or null
    /// for a new file.</summary>
    public string? ContentBefore(Func<string> hashed) => Replaced?.Content ?? (IsNew ? null : hashed());

    /// <summary>
    /// Opens <paramref name="path"/> for one sync; an empty or new file takes the origin's page size,
    /// and a new file the origin file's permission bits (<paramref name="origin"/>).
    /// <paramref name="waiting"/> is called when another process holds the write lock, before waiting for
    /// it; <paramref name="cancellation"/> ends that wait. <paramref name="kept"/>, a watch's, keeps the
    /// connection that writes an existing database from one sync to the next.
    /// </summary>
    public static ReplicaTarget Open(string path, bool dryRun, OriginFile origin, TimeSpan busyTimeout, Action waiting, KeptConnection? kept,
        CancellationToken cancellation)
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
            if (source.PageCount > 0 && source.PageSize != pageSize)
            {
                var replaced = new ReplacedFile(source.PageSize, source.PageCount, SqlRsync.Engine.Pages.ContentDigest.Of(source, source.PageSize));
                return new(new DatabaseInfo(pageSize, 0, IsWal: false, source.PageSize), null, null, source, replaced);
            }
            return new(new DatabaseInfo(source.PageSize, source.PageCount, source.IsWal), source, null, source);
        }
        var sink = PageSink.Open(path, pageSize, busyTimeout, waiting, kept, cancellation);
        if (sink.PageCount > 0 && sink.PageSize != pageSize)
        {
            var replacement = ReplicaReplacement.Start(sink, pageSize);
            var replaced = new ReplacedFile(replacement.OldPageSize, replacement.OldPageCount, replacement.OldContent);
            return new(new DatabaseInfo(pageSize, 0, IsWal: false, replacement.OldPageSize), null, replacement, replacement, replaced);
        }
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
