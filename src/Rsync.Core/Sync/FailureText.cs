using Rsync.Core.Sqlite;
using Rsync.Protocol;
using Rsync.Protocol.Messages;
using SQLitePCL;

namespace Rsync.Core.Sync;

/// <summary>Turns what went wrong into the one line a user reads, naming the side and what to do.</summary>
internal static class FailureText
{
    public static SyncException ForDatabase(string side, string path, SqliteError error, TimeSpan busyTimeout)
    {
        if (error.IsNotADatabase)
        {
            return new SyncException($"{side} {path} is not a SQLite database (or is encrypted or damaged); check that the path names the right file", error);
        }
        if (error.ResultCode == raw.SQLITE_CORRUPT)
        {
            return new SyncException($"{side} {path} is damaged (SQLite finds it malformed, e.g. cut short); nothing was written (see sqlite3 {path} 'PRAGMA integrity_check')", error);
        }
        if (error.IsBusy)
        {
            return new SyncException($"{side} {path} is locked by another writer; gave up after {busyTimeout.TotalSeconds:0.###} s (raise --busy-timeout or retry later)", error);
        }
        if (error.IsDiskFull)
        {
            return new SyncException($"no space left for {side} {path}; the {side} is unchanged (free some space and retry)", error);
        }
        if (error.ResultCode == raw.SQLITE_READONLY)
        {
            return new SyncException($"{side} {path} is read-only: check the permissions of the file and its directory", error);
        }
        if (error.ResultCode == raw.SQLITE_CANTOPEN)
        {
            return new SyncException($"cannot open {side} {path}: check that it exists and that its directory is writable", error);
        }
        return new SyncException($"{side} {path}: {error.Message}", error);
    }

    /// <summary>Any failure during a sync as a SyncException (a peer's own error keeps its text).</summary>
    public static Exception Normalize(Exception error) => error switch
    {
        SyncException or PeerErrorException => error,
        ProtocolException => new SyncException($"protocol error: {error.Message}", error),
        IOException => new SyncException($"connection lost: {error.Message}", error),
        _ => error,
    };
}
