namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// The files kept beside a database under its name plus a suffix: SQLite's write-ahead log (-wal), its
/// shared-memory index (-shm) and rollback journal (-journal), and sqlrsync's record of a replica
/// (-sqlrsync). None of them is a database to sync, replace or delete on its own: deleting a live
/// database's -wal loses its committed transactions, and SQLite deletes a "database" named x-journal
/// when it opens x.
/// </summary>
internal static class CompanionFiles
{
    public const string Wal = "-wal";
    public const string SharedMemory = "-shm";
    public const string Journal = "-journal";
    public const string Record = "-sqlrsync";

    /// <summary>SQLite's own, in the order a database's files are removed after it.</summary>
    public static readonly string[] OfSqlite = [Wal, SharedMemory, Journal];

    /// <summary>Whether the file name <paramref name="name"/> is one of these files, by its suffix.</summary>
    public static bool IsCompanion(string name) =>
        name.EndsWith(Wal, StringComparison.Ordinal) || name.EndsWith(SharedMemory, StringComparison.Ordinal)
        || name.EndsWith(Journal, StringComparison.Ordinal) || name.EndsWith(Record, StringComparison.Ordinal);
}
