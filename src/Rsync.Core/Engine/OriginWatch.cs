using System.Buffers.Binary;
using SqlRsync.Engine.Pages;
using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine;

/// <summary>
/// Tells whether the origin committed since it was last asked, holding nothing open in between: an
/// idle connection to a WAL database keeps a lock on it that stops its owner from leaving WAL mode
/// (to change its page size, say), so none is kept. A question compares the stat(2) stamps of the
/// database and its -wal: every commit writes one of them. A database written, or a -wal removed,
/// counts as a commit (a checkpoint may have moved commits out of sight; one that did not costs a
/// cycle that finds little). A -wal that moved, or stamps whose last write is within the kernel's
/// coarse clock tick (<see cref="FileStamp.IsSettled"/>), are judged by the origin's commit mark, read
/// in a read transaction of a connection opened for it and closed at once: the WAL-index header of
/// its snapshot, which every WAL commit changes, and page 1's file change counter, which every
/// rollback-journal commit changes. It never writes, and never checkpoints when it closes. It also
/// follows the identity of the file at the origin's path: a database moved over it is another file,
/// which the watch follows.
/// </summary>
internal sealed class OriginWatch(string path)
{
    private FileIdentity? _identity;
    private (FileStamp? Database, FileStamp? Wal) _stamps;
    private byte[]? _mark;

    /// <summary>What was seen since the last question.</summary>
    public enum Change
    {
        /// <summary>Nothing committed.</summary>
        None,

        /// <summary>Another connection committed (or it could not tell: a writer held a lock that the question needed).</summary>
        Committed,

        /// <summary>The path names another file than before (or the first file, or none any more).</summary>
        Replaced,
    }

    /// <summary>Whether the origin changed since the last call; the first call says <see cref="Change.Replaced"/> when the file exists.</summary>
    public Change Poll()
    {
        var database = FileStamp.Of(path);
        var identity = database?.Identity;
        if (identity != _identity)
        {
            _identity = identity;
            _stamps = default;
            _mark = null;
            if (identity is not null)
            {
                // The new file's mark, read before the cycle this change makes takes its snapshot.
                Poll();
            }
            return Change.Replaced;
        }
        if (database is null)
        {
            return Change.None;
        }
        var wal = FileStamp.Of(path + "-wal");
        // A checkpoint may have moved commits out of a -wal into the database, and out of the mark's sight, when it wrote the
        // database or removed the -wal; a -wal that appeared (a connection opened) or grew is for the mark to judge.
        bool rewritten = database != _stamps.Database || (_stamps.Wal is { } before && wal?.Identity != before.Identity);
        if (!rewritten && wal == _stamps.Wal && database.Value.IsSettled && wal is not { IsSettled: false })
        {
            return Change.None;
        }
        // Read after the stamps: what a commit between the two adds is in the mark, and before the snapshot of the cycle this makes.
        _stamps = (database, wal);
        byte[]? mark = TryReadMark();
        bool changed = rewritten || mark is null || _mark is null || !mark.AsSpan().SequenceEqual(_mark);
        _mark = mark;
        return changed ? Change.Committed : Change.None;
    }

    /// <summary>The origin's commit mark (<see cref="ReadMark"/>), or null when it cannot be read now.</summary>
    private byte[]? TryReadMark()
    {
        try
        {
            return ReadMark();
        }
        catch (SqliteCallException)
        {
            // A writer's lock (rollback-journal mode), or a file being swapped or not yet a database.
            return null;
        }
    }

    /// <summary>
    /// The origin's commit mark: its page count and file change counter, then the WAL-index header of
    /// its snapshot (zeros when the WAL has no frames).
    /// </summary>
    private byte[] ReadMark()
    {
        using var database = SqliteDatabase.Open(path, create: false);
        database.SetConfig(SqliteNative.DbConfigNoCheckpointOnClose, true);
        database.Execute("BEGIN");
        try
        {
            // The first read starts the read transaction.
            uint pageCount = checked((uint)database.QueryInt64("PRAGMA page_count"));
            var mark = new byte[8 + SqliteDatabase.SnapshotHeaderLength];
            BinaryPrimitives.WriteUInt32LittleEndian(mark, pageCount);
            if (pageCount > 0)
            {
                using var pages = new DbpageReader(database);
                pages.ReadPage(1, pageCount).Slice(24, 4).CopyTo(mark.AsSpan(4));
            }
            database.TryReadSnapshotHeader(mark.AsSpan(8));
            return mark;
        }
        finally
        {
            database.Execute("ROLLBACK");
        }
    }
}
