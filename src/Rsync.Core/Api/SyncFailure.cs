namespace SqlRsync;

/// <summary>Why a sync failed, for a program that reacts differently to each; <see cref="Exception.Message"/> of the <see cref="SyncException"/>
/// says it in words.</summary>
public enum SyncFailure
{
    /// <summary>None of the others.</summary>
    Other = 0,

    /// <summary>A path names nothing, or names a directory where a database file is expected.</summary>
    NotFound = 1,

    /// <summary>A file is not a SQLite database (or is encrypted).</summary>
    NotADatabase = 2,

    /// <summary>SQLite finds a database malformed, for example cut short.</summary>
    Damaged = 3,

    /// <summary>Another connection held the replica's write lock (or a busy origin) past the busy timeout.</summary>
    Busy = 4,

    /// <summary>No space left for the replica.</summary>
    DiskFull = 5,

    /// <summary>A file or directory cannot be written or opened: permissions, a read-only filesystem.</summary>
    Access = 6,

    /// <summary>The two databases cannot be synced as asked: page sizes differ, --wal-only, an empty origin, the same file.</summary>
    Incompatible = 7,

    /// <summary>
    /// The replica looks like a live database or was changed since sqlrsync last wrote it;
    /// <see cref="SyncOptions.Force"/> overrides.
    /// </summary>
    Refused = 8,

    /// <summary>The peer sent bytes that break the protocol, or speaks another version of it.</summary>
    Protocol = 9,

    /// <summary>The connection to the peer broke off.</summary>
    ConnectionLost = 10,

    /// <summary>The remote host could not be reached or did not run sqlrsync: ssh, host keys, login, the remote program.</summary>
    Transport = 11,

    /// <summary>
    /// A sync failed and the replica could not be put back as it was (SQLite could not finish rolling
    /// back its journal); the next program that opens it with write access completes the rollback.
    /// </summary>
    RollbackIncomplete = 12,

    /// <summary>
    /// A path names a snapshot archive where a database file was expected: a sync that knows it is one
    /// (<see cref="ArchiveEndpoint"/>, --archive) adds to it or restores from it.
    /// </summary>
    IsArchive = 13,
}
