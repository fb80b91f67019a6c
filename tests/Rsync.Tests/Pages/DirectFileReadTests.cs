using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Pages;

/// <summary>
/// Reading pages straight from the database file (DatabaseFileReader) instead of through sqlite_dbpage:
/// taken only while the snapshot takes every page from the file, and then nothing another process does
/// (commits, checkpoints of every kind) may change what it reads. The writers are Debian's sqlite3,
/// one process per statement list.
/// </summary>
public sealed class DirectFileReadTests : IDisposable
{
    private static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("delete", 4096)]
    [InlineData("wal", 4096)]
    [InlineData("wal", 65536)]
    public void ASnapshotThatTakesEveryPageFromTheFileIsReadFromIt(string journalMode, int pageSize)
    {
        var path = _dir.File("a.db");
        // Closed by its last connection: a WAL database's log is checkpointed and deleted.
        TestDatabase.Create(path, rows: 3000, journalMode, pageSize);
        var fileBytes = File.ReadAllBytes(path);

        using var source = PageSource.OpenSnapshot(path, BusyTimeout);

        Assert.True(source.ReadsFileDirectly);
        Assert.Equal(fileBytes, ScannedPages.All(source));
        Assert.Equal(fileBytes.AsSpan(4 * pageSize, pageSize), source.ReadPage(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.ReadPage(source.PageCount + 1));
    }

    [Fact]
    public void ASnapshotWithWalFramesIsReadThroughSqlite()
    {
        var path = _dir.File("a.db");
        TestDatabase.Create(path, rows: 500);
        using var writer = TestDatabase.Connect(path);
        // Kept in the -wal: no checkpoint runs while the writer stays open.
        TestDatabase.InsertRows(writer, 2000, seed: 2);

        byte[] pages;
        using (var source = PageSource.OpenSnapshot(path, BusyTimeout))
        {
            Assert.False(source.ReadsFileDirectly);
            pages = ScannedPages.All(source);
        }

        var copy = _dir.File("copy.db");
        File.WriteAllBytes(copy, pages);
        Assert.Equal("2500", TestDatabase.Sqlite3Cli(copy, "SELECT count(*) FROM items"));
    }

    /// <summary>
    /// While a snapshot is read from the file, other processes commit and run every kind of
    /// checkpoint, between the reads: every page read is still the snapshot's. In WAL mode the commits
    /// land (in the log) and no checkpoint copies a frame into the file; in rollback-journal mode the
    /// read lock keeps the writers out.
    /// </summary>
    [Theory]
    [InlineData("wal")]
    [InlineData("delete")]
    public void CommitsAndCheckpointsDuringADirectReadChangeNothingItReads(string journalMode)
    {
        var path = _dir.File("a.db");
        TestDatabase.Create(path, rows: 3000, journalMode);
        for (int round = 0; round < 3; round++)
        {
            if (journalMode == "wal")
            {
                // The last connection to close checkpoints the log and deletes it.
                TestDatabase.Sqlite3Cli(path, "PRAGMA wal_checkpoint(TRUNCATE)");
            }
            var snapshot = File.ReadAllBytes(path);
            byte[] firstHalf, secondHalf, firstHalfAgain;
            var writers = new List<ExternalProgram.Result>();
            using (var source = PageSource.OpenSnapshot(path, BusyTimeout))
            {
                Assert.True(source.ReadsFileDirectly);
                uint half = source.PageCount / 2;
                firstHalf = ScannedPages.Range(source, 1, half);
                foreach (var checkpoint in new[] { "PASSIVE", "FULL", "RESTART", "TRUNCATE" })
                {
                    writers.Add(ExternalProgram.Run("sqlite3", [path,
                        $"BEGIN; UPDATE items SET body = randomblob(length(body)) WHERE id % 4 = {round % 4}; COMMIT; PRAGMA wal_checkpoint({checkpoint});"]));
                }
                secondHalf = ScannedPages.Range(source, half + 1, source.PageCount);
                firstHalfAgain = ScannedPages.Range(source, 1, half);
            }

            Assert.Equal(snapshot, firstHalf.Concat(secondHalf).ToArray());
            Assert.Equal(firstHalf, firstHalfAgain);
            if (journalMode == "wal")
            {
                foreach (var writer in writers)
                {
                    Assert.True(writer.ExitCode == 0, writer.StandardError);
                    // busy | frames in the log | frames checkpointed: none may reach the file.
                    Assert.Matches(@"^\d\|[1-9]\d*\|0$", writer.StandardOutput.Trim());
                }
            }
            else
            {
                Assert.All(writers, writer => Assert.Contains("database is locked", writer.StandardError));
            }
        }
        TestDatabase.AssertIntegrityOk(path);
    }

    /// <summary>
    /// Whole syncs while writer processes commit and checkpoint, each sync starting on an emptied log
    /// so that the origin is read from its file: every replica is whole and holds one transaction's
    /// state (meta.n counts the items).
    /// </summary>
    [Fact]
    public async Task SyncsFromAWalOriginReadFromItsFileWhileWritersCommitAndCheckpointGiveConsistentReplicas()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 20000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE meta(n); INSERT INTO meta SELECT count(*) FROM items;");
        for (int round = 0; round < 4; round++)
        {
            TestDatabase.Sqlite3Cli(origin, "PRAGMA wal_checkpoint(TRUNCATE)");
            var sync = Task.Run(() => Syncs.Local(origin, replica));
            for (int batch = 0; batch < 10 && !sync.IsCompleted; batch++)
            {
                ExternalProgram.Run("sqlite3", [origin, batch % 2 == 0
                    ? $"BEGIN; DELETE FROM items WHERE id % 5 = {batch % 5}; UPDATE meta SET n = (SELECT count(*) FROM items); COMMIT; PRAGMA " +
                        "wal_checkpoint(TRUNCATE);"
                    : "BEGIN; INSERT INTO items(name, body) SELECT name || '+', randomblob(length(body)) FROM items LIMIT 2000; UPDATE meta SET n " +
                        "= (SELECT count(*) FROM items); COMMIT; PRAGMA wal_checkpoint(PASSIVE);"]);
            }
            await sync;
            TestDatabase.AssertIntegrityOk(replica);
            Assert.Equal("1", TestDatabase.Sqlite3Cli(replica, "SELECT (SELECT count(*) FROM items) = (SELECT n FROM meta)"));
        }
        Syncs.Local(origin, replica);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }
}
