using SqlRsync.Platform;

namespace SqlRsync.Engine.Safety;

/// <summary>
/// Keeps sqlrsync from overwriting a database that is not its replica: swapped arguments
/// (`sqlrsync backup.db live.db`, whether or not a program has live.db open at that moment), or a
/// replica that another program changed since sqlrsync last wrote it. A database that holds pages
/// and has no record of sqlrsync's beside it is not overwritten; nor is one whose content is not one
/// sqlrsync recorded. Both are refused with one line unless the user passes --force, which a first
/// sync into a copy made by cp or by sqlite3_rsync needs once.
/// Readers of a replica, their checkpoints and copies made by backup tools leave its content as it
/// was, so they never trip the guard; docs/reliability.md lists what it can and cannot see.
/// </summary>
internal static class ReplicaGuard
{
    private const string HowToProceed = "check the order of the arguments (ORIGIN first, then REPLICA), or pass --force to overwrite it";

    /// <summary>
    /// For a replica sqlrsync has no record of: another process having it open (or locked) means it is
    /// in use, most likely a live database named as the replica by mistake. Call before opening it.
    /// </summary>
    public static void RefuseIfInUse(string replicaPath)
    {
        foreach (var file in new[] { replicaPath, replicaPath + "-shm" })
        {
            foreach (var held in LockHolders.Of(file) ?? [])
            {
                if (held.ProcessId != Environment.ProcessId)
                {
                    throw new SyncException(SyncFailure.Refused,
                        $"replica {replicaPath} is in use by another process ({Describe(held.ProcessId)}) and sqlrsync has no record of writing it " +
                        $"(no {Path.GetFileName(ReplicaState.FileFor(replicaPath))} beside it): it looks like a live database, not a replica; {HowToProceed}");
                }
            }
        }
    }

    /// <summary>
    /// Under the replica's lock: a replica that holds pages (<paramref name="pageCount"/>) must have
    /// sqlrsync's record beside it (<paramref name="state"/>, null when it has none).
    /// </summary>
    public static void RefuseIfNeverWritten(string replicaPath, uint pageCount, ReplicaState? state)
    {
        if (pageCount > 0 && state is null)
        {
            throw new SyncException(SyncFailure.Refused,
                $"replica {replicaPath} holds a database that sqlrsync never wrote (no {Path.GetFileName(ReplicaState.FileFor(replicaPath))} beside it), " +
                "so it may be a live database named as the replica by mistake: check the order of the arguments (ORIGIN first, then REPLICA); " +
                "if it is a copy of the origin (made by cp or sqlite3_rsync), pass --force once to take it over as a replica");
        }
    }

    /// <summary>After the replica's pages are hashed: its <paramref name="content"/> must be one that sqlrsync recorded.</summary>
    public static void RefuseIfChanged(string replicaPath, ReplicaState state, string content)
    {
        if (!state.Holds(content))
        {
            throw new SyncException(SyncFailure.Refused,
                $"replica {replicaPath} was changed by another program since sqlrsync last wrote it " +
                $"({state.Written.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC), and a sync would undo those changes; {HowToProceed}");
        }
    }

    private static string Describe(int processId)
    {
        if (processId <= 0)
        {
            return "an open file description lock";
        }
        try
        {
            return $"{File.ReadAllText($"/proc/{processId}/comm").Trim()}, pid {processId}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"pid {processId}";
        }
    }
}
