using SqlRsync.Engine.Sqlite;
using SqlRsync.Platform;

namespace SqlRsync.Engine;

/// <summary>
/// Checks on a side's path made before its database is opened: the same words on this machine and
/// from a remote agent, and before any page travels. Each returns the path to open: the one given,
/// or its real path where symbolic links were followed, as <see cref="PathPolicy"/> allows.
/// </summary>
internal static class PathChecks
{
    public static string Origin(string given)
    {
        RefuseCompanion("origin", given);
        string path = PathPolicy.Resolve("origin", given);
        RefuseCompanion("origin", path);
        RefuseArchive("origin", path);
        if (Directory.Exists(path))
        {
            throw new SyncException(SyncFailure.NotFound,
                $"origin {path} is a directory, not a database file; name the database file inside it, or write {path.TrimEnd('/')}/ to sync every " +
                "database in it");
        }
        if (!File.Exists(path))
        {
            throw new SyncException(SyncFailure.NotFound, $"origin {path} does not exist (check the path)");
        }
        return path;
    }

    public static string Replica(string given)
    {
        RefuseCompanion("replica", given);
        string path = PathPolicy.Resolve("replica", given);
        RefuseCompanion("replica", path);
        RefuseArchive("replica", path);
        if (Directory.Exists(path))
        {
            throw new SyncException(SyncFailure.NotFound, $"replica {path} is a directory; name the database file inside it");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new SyncException(SyncFailure.NotFound, $"the replica's directory {directory} does not exist (create it first)");
        }
        // Checked here so that a dry run fails where the real run would, and the real run before any page travels.
        if (directory is not null && !Libc.CanWrite(directory))
        {
            throw new SyncException(SyncFailure.Access,
                $"the replica's directory {directory} is not writable (the replica, its journal and sqlrsync's record of it are written there): " +
                "fix its permissions or choose another place");
        }
        if (File.Exists(path) && !Libc.CanWrite(path))
        {
            throw new SyncException(SyncFailure.Access, $"replica {path} is not writable: fix its permissions or choose another place");
        }
        return path;
    }

    /// <summary>
    /// A snapshot archive named where a database was expected: its own failure, by which a client whose
    /// remote side turned out to be an archive goes on with it as one (--archive may be left out).
    /// </summary>
    private static void RefuseArchive(string side, string path)
    {
        using var store = Directory.Exists(path) ? Storage.DirectoryObjectStore.Open(path) : null;
        if (store is not null && Archives.SnapshotArchive.IsIn(store))
        {
            throw new SyncException(SyncFailure.IsArchive, $"{side} {path} is a snapshot archive, not a database file: add --archive to add a " +
                "snapshot to it, or restore from it");
        }
    }

    private static void RefuseCompanion(string side, string path)
    {
        if (CompanionFiles.IsCompanion(Path.GetFileName(path)))
        {
            throw new SyncException(SyncFailure.Refused,
                $"{side} {path} is named like a file SQLite or sqlrsync keeps beside a database (-wal, -shm, -journal, -sqlrsync), not a database: " +
                    "name the database itself");
        }
    }
}
