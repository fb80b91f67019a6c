using SqlRsync.Engine.Sqlite;
using SqlRsync.Protocol;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Engine;

/// <summary>Turns whatever went wrong into a <see cref="SyncException"/>: one line a user reads, naming the side and what to do.</summary>
internal static class FailureText
{
    public static SyncException ForDatabase(string side, string path, SqliteCallException error, TimeSpan busyTimeout) => error.ResultCode switch
    {
        SqliteNative.NotADatabase => new(SyncFailure.NotADatabase,
            $"{side} {path} is not a SQLite database (or is encrypted or damaged); check that the path names the right file", error),
        SqliteNative.Corrupt => new(SyncFailure.Damaged,
            $"{side} {path} is damaged (SQLite finds it malformed, e.g. cut short); nothing was written (see sqlite3 {path} 'PRAGMA integrity_check')", error),
        SqliteNative.Busy or SqliteNative.Locked => new(SyncFailure.Busy,
            $"{side} {path} is locked by another writer; gave up after {busyTimeout.TotalSeconds:0.###} s (raise --busy-timeout or retry later)", error),
        SqliteNative.Full => new(SyncFailure.DiskFull, $"no space left for {side} {path}; the {side} is unchanged (free some space and retry)", error),
        SqliteNative.ReadOnly when error.ExtendedCode == SqliteNative.ReadOnlyRollback => new(SyncFailure.Access,
            $"{side} {path} has a hot journal (a writer stopped in the middle of a transaction), which must be rolled back before anyone can read it, " +
            $"and this user may not write {path} or its directory: open it once as a user who may (its application, or sqlite3 {path} 'PRAGMA " +
                "schema_version'), then sync again", error),
        SqliteNative.ReadOnly => new(SyncFailure.Access, $"{side} {path} is read-only: check the permissions of the file and its directory", error),
        SqliteNative.CantOpen => new(SyncFailure.Access, $"cannot open {side} {path}: check that it exists and that its directory is writable", error),
        _ => new(SyncFailure.Other, $"{side} {path}: {error.Message}", error),
    };

    /// <summary>Any failure of a side as a SyncException (a cancellation stays what it is).</summary>
    public static Exception Normalize(Exception error) => error switch
    {
        SyncException or OperationCanceledException => error,
        PeerErrorException peer => new SyncException(Enum.IsDefined((SyncFailure)peer.Reason) ? (SyncFailure)peer.Reason : SyncFailure.Other,
            peer.Message, peer),
        ProtocolException => new SyncException(SyncFailure.Protocol, $"protocol error: {error.Message}", error),
        IOException => new SyncException(SyncFailure.ConnectionLost, $"connection lost: {error.Message}", error),
        _ => error,
    };

    /// <summary>A remote peer's own error, relayed, as the user reads it: prefixed with the host it came from.</summary>
    public static SyncException FromHost(string host, SyncException relayed) =>
        new(relayed.Reason, $"{host}: {relayed.Message}", relayed.InnerException);

    /// <summary>Whether <paramref name="failure"/> is the peer's own error, relayed, rather than this side's.</summary>
    public static bool IsRelayed(Exception failure) => failure.InnerException is PeerErrorException;
}
