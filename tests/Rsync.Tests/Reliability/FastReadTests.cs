using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Reliability;

/// <summary>
/// The fast read paths: the origin's connection and the replica's comparing connection read straight
/// from the file while their snapshot allows it, else through SQLite's map of the file (PRAGMA
/// mmap_size), and with several hashing threads, more connections join the same snapshot. What could
/// go wrong: a file that another process shrinks (VACUUM, then a checkpoint that truncates) or grows
/// while it is mapped or while the threads read it; a joined connection that reads a later commit; on
/// the replica, its own readers' locks keeping its writer from writing.
/// </summary>
public sealed class FastReadTests : IDisposable
{
    private const int Rounds = 5;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Another process shrinks the origin (delete, VACUUM, truncating checkpoint) and grows it again,
    /// over and over while each sync runs: every replica is whole and holds one transaction's state
    /// (meta.n counts the items), and a last sync without the writer is page-identical.
    /// </summary>
    [Theory]
    [InlineData("wal", 1)]
    [InlineData("delete", 1)]
    [InlineData("wal", 3)]
    [InlineData("delete", 3)]
    public async Task AnOriginShrunkAndGrownWhileItIsReadGivesConsistentReplicas(string journalMode, int hashThreads)
    {
        var settings = new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(10), HashThreads = hashThreads };
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 20000, journalMode: journalMode);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE meta(n); INSERT INTO meta SELECT count(*) FROM items;");

        using var writer = new SqliteShell(origin);
        // Our read transaction blocks a rollback-journal origin's writers while pages are read.
        writer.Run("PRAGMA busy_timeout = 10000;");
        for (int round = 0; round < Rounds; round++)
        {
            var sync = Task.Run(() => Syncs.Local(origin, replica, settings));
            for (int batch = 0; batch < 20 && !sync.IsCompleted; batch++)
            {
                writer.Run(batch % 2 == 0
                    ? $"BEGIN; DELETE FROM items WHERE id % 3 = {batch % 3}; UPDATE meta SET n = (SELECT count(*) FROM items); COMMIT; VACUUM; " +
                        "PRAGMA wal_checkpoint(TRUNCATE);"
                    : "BEGIN; INSERT INTO items(name, body) SELECT name || '+', randomblob(length(body)) FROM items; UPDATE meta SET n = (SELECT " +
                        "count(*) FROM items); COMMIT;");
            }
            await sync;
            TestDatabase.AssertIntegrityOk(replica);
            Assert.Equal("1", TestDatabase.Sqlite3Cli(replica, "SELECT (SELECT count(*) FROM items) = (SELECT n FROM meta)"));
        }
        var (_, errors) = writer.Finish();
        Assert.Equal("", errors.Trim());

        Syncs.Local(origin, replica, settings);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }

    /// <summary>
    /// A rollback-journal replica sent more pages than its page cache holds must spill them to the file
    /// before the commit, which needs its exclusive lock: the comparing connection's read lock must be
    /// gone by then, or the sync would wait for itself until the busy timeout.
    /// </summary>
    [Fact]
    public async Task ARollbackJournalReplicaTakesMorePagesThanItsCacheHolds()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 20000, journalMode: "delete");
        Syncs.Local(origin, replica);
        TestDatabase.Change(origin, Situation.ThirtyPercentChanged);

        // Bounded: waiting for itself, the sync would wait the busy timeout at every spill of the cache.
        var sync = Task.Run(() => Syncs.Local(origin, replica, new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(2) }));
        var result = await sync.WaitAsync(TimeSpan.FromSeconds(60));

        // SQLite's default page cache holds 2,000 KiB: 500 pages of 4 KiB.
        Assert.True(result.PagesSent > 500, $"only {result.PagesSent} pages were sent");
        Assert.Equal("delete", TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode"));
        TestDatabase.AssertSynced(origin, replica, 4096);
    }
}
