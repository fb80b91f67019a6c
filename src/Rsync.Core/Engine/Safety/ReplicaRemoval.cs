using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine.Safety;

/// <summary>
/// Deleting a replica database whose origin is gone (a directory sync with --delete), with the care a
/// replica deserves: only a SQLite database by its header (never a file of another kind, never a
/// -wal, -shm, -journal or -sqlrsync file beside one, never a symbolic link), only one sqlrsync made
/// (its record beside it) unless the user forces it, and never one another process has open, forced
/// or not (its readers would keep a deleted file). The database goes first, then its -wal, -shm and
/// -journal, and its record last.
/// </summary>
internal static class ReplicaRemoval
{
    /// <exception cref="SyncException">Refused, or the files could not be deleted.</exception>
    public static void Delete(string path, bool force, bool dryRun)
    {
        if (CompanionFiles.IsCompanion(Path.GetFileName(path)))
        {
            throw new SyncException(SyncFailure.Refused,
                $"{path} is a file kept beside a database (-wal, -shm, -journal or -sqlrsync), not a database; not deleted");
        }
        if (!IsDatabaseFile(path))
        {
            throw new SyncException(SyncFailure.Refused, $"{path} is not a SQLite database file (by its header); not deleted");
        }
        if (!force && ReplicaState.ReadText(path) is null)
        {
            throw new SyncException(SyncFailure.Refused,
                $"{path} was not made by sqlrsync (no {Path.GetFileName(ReplicaState.FileFor(path))} beside it); not deleted (--force deletes it)");
        }
        // The database's own locks (rollback-journal connections in a transaction) and its -shm's (every
        // WAL connection, for as long as it is open).
        foreach (var file in new[] { path, path + CompanionFiles.Wal, path + CompanionFiles.SharedMemory })
        {
            var holders = (LockHolders.Of(file) ?? []).Where(held => held.ProcessId != Environment.ProcessId).ToList();
            if (holders.Count > 0)
            {
                throw new SyncException(SyncFailure.Refused, $"{path} is open in another process (pid {holders[0].ProcessId}); not deleted");
            }
        }
        if (dryRun)
        {
            return;
        }
        try
        {
            foreach (var file in CompanionFiles.OfSqlite.Append(CompanionFiles.Record).Select(suffix => path + suffix).Prepend(path))
            {
                NoSymlinks.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SyncException(SyncFailure.Access, $"cannot delete {path}: {e.Message}", e);
        }
    }

    /// <summary>A regular file, not a symbolic link, that starts with SQLite's header.</summary>
    private static bool IsDatabaseFile(string path) =>
        new FileInfo(path) is { Exists: true, LinkTarget: null } && SqliteHeader.IsAtStartOf(path);
}
