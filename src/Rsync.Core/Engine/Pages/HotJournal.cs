using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// Finishes the rollback of a rollback-journal database whose write transaction failed. When a write
/// fails while SQLite spills its page cache into the file (a full disk), its pager stops in an error
/// state: the connection closes without restoring the file and leaves the journal "hot", for the
/// next connection to roll back — one that needs write access, so until a writer comes along readers
/// with read access alone cannot open the file at all. Opening a connection and reading page 1 makes
/// SQLite play the journal back now. Overwriting pages the file already has and cutting it back to
/// its old length need no new space, so this works on the disk that just filled up.
/// </summary>
internal static class HotJournal
{
    /// <summary>Rolls back a hot journal beside <paramref name="path"/>, if there is one, and checks the file is <paramref name="length"/> bytes
    /// again.</summary>
    /// <exception cref="SyncException">SQLite could not roll it back: the replica is not as it was.</exception>
    public static void RollBack(string path, long length, TimeSpan busyTimeout)
    {
        string journal = path + SqlRsync.Engine.Sqlite.CompanionFiles.Journal;
        if (!File.Exists(journal))
        {
            return;
        }
        try
        {
            using var database = SqliteDatabase.Open(path, create: false);
            database.SetBusyTimeout(busyTimeout);
            // Taking the shared lock to read page 1 is where SQLite plays back a hot journal.
            database.QueryInt64("PRAGMA schema_version");
        }
        catch (SqliteCallException e)
        {
            throw Incomplete(path, journal, e.Message, e);
        }
        long now = new FileInfo(path).Length;
        if (now != length)
        {
            throw Incomplete(path, journal, $"the file has {now} bytes, not its {length}", null);
        }
    }

    private static SyncException Incomplete(string path, string journal, string cause, Exception? error) => new(SyncFailure.RollbackIncomplete,
        $"replica {path} is NOT as it was: the failed sync's rollback could not complete ({cause}); SQLite's journal {journal} holds the old pages " +
        $"and the next program that opens {path} with write access rolls it back; free some space (or fix the disk), then run the sync again", error);
}
