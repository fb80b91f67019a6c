using SqlRsync.Files;

namespace SqlRsync.Safety;

/// <summary>
/// Deleting a replica database whose origin is gone (a directory sync with --delete), with the care a
/// replica deserves: only a database sqlrsync made (its record beside it) unless the user forces it,
/// and never one another process has open, forced or not (its readers would keep a deleted file).
/// The database goes first, then its -wal, -shm and -journal, and its record last.
/// </summary>
internal static class ReplicaRemoval
{
    private static readonly string[] Companions = ["-wal", "-shm", "-journal", ReplicaState.FileSuffix];

    /// <exception cref="SyncException">Refused, or the files could not be deleted.</exception>
    public static void Delete(string path, bool force, bool dryRun)
    {
        if (!force && ReplicaState.ReadText(path) is null)
        {
            throw new SyncException(SyncFailure.Refused,
                $"{path} was not made by sqlrsync (no {Path.GetFileName(ReplicaState.FileFor(path))} beside it); not deleted (--force deletes it)");
        }
        foreach (var file in Companions.Take(2).Select(suffix => path + suffix).Prepend(path))
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
            foreach (var file in Companions.Select(suffix => path + suffix).Prepend(path))
            {
                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SyncException(SyncFailure.Access, $"cannot delete {path}: {e.Message}", e);
        }
    }
}
