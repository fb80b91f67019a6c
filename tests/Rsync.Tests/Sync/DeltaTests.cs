using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// The delta option: for pages the replica has, only the blocks that differ travel. The replica must
/// end page-identical in every situation, in both journal modes and under a live writer with
/// checkpoints, and the bytes on the wire must be the changed blocks, not the pages.
/// </summary>
public sealed class DeltaTests : IDisposable
{
    private static readonly SyncOptions Deltas = new() { BusyTimeout = TimeSpan.FromSeconds(10), Delta = true };

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(Situation.OnePercentChanged, "wal")]
    [InlineData(Situation.ThirtyPercentChanged, "wal")]
    [InlineData(Situation.ThirtyPercentChanged, "delete")]
    [InlineData(Situation.OriginGrew, "wal")]
    [InlineData(Situation.OriginShrankAfterVacuum, "delete")]
    public void ReplicaEndsPageIdentical(Situation situation, string journalMode)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Create(origin, rows: 6000, journalMode: journalMode);
        Syncs.Local(origin, replica);
        TestDatabase.Change(origin, situation);

        var result = Syncs.Local(origin, replica, Deltas);

        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.True(result.PagesSent > 0);
        Assert.True(result.PageBytesOnWire < result.PageBytesRaw, $"{result.PageBytesOnWire} bytes on the wire for {result.PageBytesRaw} bytes of pages");
    }

    /// <summary>
    /// Rows of 1,000 random bytes, 1% rewritten in place (as bench/compare.sh does): a changed page
    /// costs its 1,000 bytes plus at most one block of 128 on each side, where whole pages cost 4,096.
    /// </summary>
    [Fact]
    public void RowsRewrittenInPlaceSendAboutTheirOwnBytes()
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 8000);
        Syncs.Local(origin, replica);
        TestDatabase.RewriteEveryHundredthRow(origin);
        var whole = _dir.File("whole.db");
        TestDatabase.CopyReplica(replica, whole);

        var delta = Syncs.Local(origin, replica, Deltas);
        var pages = Syncs.Local(origin, whole, Deltas with { Delta = false });

        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Equal(80u, delta.PagesSent);
        Assert.Equal(80u * 4096, pages.PageBytesOnWire);
        Assert.InRange(delta.PageBytesOnWire, 80 * 1000, 80 * (1000 + 2 * 128));
        // The block hashes came with the leaf check that found the pages: no round trip of their own.
        Assert.Equal(pages.RoundTrips, delta.RoundTrips);
    }

    /// <summary>
    /// One origin to two replicas, and a directory of one database: each replica gets the changed
    /// blocks of its 80 changed pages, not the pages, and ends page-identical.
    /// </summary>
    [Fact]
    public async Task FanOutsAndDirectorySyncsSendDeltasToo()
    {
        var origins = Directory.CreateDirectory(_dir.File("origins")).FullName;
        var replicas = Directory.CreateDirectory(_dir.File("replicas")).FullName;
        var origin = Path.Combine(origins, "a.db");
        string[] copies = [Path.Combine(replicas, "a.db"), _dir.File("second.db")];
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 8000);
        foreach (var copy in copies)
        {
            Syncs.Local(origin, copy);
        }
        TestDatabase.RewriteEveryHundredthRow(origin);

        var fanOut = await DatabaseSync.RunToManyAsync(SyncEndpoint.Local(origin), [.. copies.Select(SyncEndpoint.Local)], Deltas);
        var results = fanOut.Select(outcome => outcome.Result ?? throw outcome.Failure!).ToList();
        foreach (var copy in copies)
        {
            TestDatabase.AssertSynced(origin, copy, 4096);
        }

        TestDatabase.RewriteEveryHundredthRow(origin);
        var directory = await DatabaseSync.RunDirectoryAsync(SyncEndpoint.Local(origins), SyncEndpoint.Local(replicas), options: Deltas);
        results.Add(Assert.Single(directory.Databases).Result ?? throw directory.Databases[0].Failure!);
        TestDatabase.AssertSynced(origin, copies[0], 4096);

        foreach (var result in results)
        {
            Assert.Equal(80u, result.PagesSent);
            Assert.InRange(result.PageBytesOnWire, 80 * 1000, 80 * (1000 + 2 * 128));
        }
    }

    /// <summary>
    /// More differing pages than one block request may name: the first batch's block hashes come with the leaf
    /// check, the others are asked about in batches, one round trip each; but once a batch shows pages rewritten
    /// through and through, deltas stop.
    /// </summary>
    [Theory]
    [InlineData("UPDATE t SET v = randomblob(200) WHERE id % 4 = 0", 1)]  // one row in each page: two batches of deltas
    [InlineData("UPDATE t SET v = randomblob(200)", 0)]                   // every byte: one batch, then whole pages
    public void ManyDifferingPagesAreAskedAboutInBatches(string change, int blockRequests)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Sqlite3Cli(origin, "PRAGMA page_size=1024; PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); " +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 24000) INSERT INTO t(v) SELECT randomblob(200) FROM c;");
        Syncs.Local(origin, replica);
        TestDatabase.Sqlite3Cli(origin, change);
        var whole = _dir.File("whole.db");
        TestDatabase.CopyReplica(replica, whole);

        var delta = Syncs.Local(origin, replica, Deltas);
        var pages = Syncs.Local(origin, whole, Deltas with { Delta = false });

        TestDatabase.AssertSynced(origin, replica, 1024);
        Assert.True(delta.PagesSent > 4096, $"{delta.PagesSent} pages sent");
        Assert.Equal(pages.RoundTrips + blockRequests, delta.RoundTrips);
    }

    /// <summary>
    /// Another process moves money between accounts (rows rewritten in place, so changed pages travel
    /// as deltas) and checkpoints the WAL into the file over and over while each sync runs: every
    /// replica is whole and holds one transaction's state (the total never changes), and a last sync
    /// without the writer is page-identical.
    /// </summary>
    [Theory]
    [InlineData("wal")]
    [InlineData("delete")]
    public async Task AWriterAndCheckpointsDuringDeltaSyncsGiveConsistentReplicas(string journalMode)
    {
        var origin = _dir.File("origin.db");
        var replica = _dir.File("replica.db");
        TestDatabase.Sqlite3Cli(origin, $"PRAGMA journal_mode={journalMode}; CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER, note BLOB); " +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000) INSERT INTO account SELECT i, 100, randomblob(300) FROM c;");
        Syncs.Local(origin, replica);
        var settings = Deltas with { HashThreads = 2 };

        using var writer = new SqliteShell(origin);
        writer.Run("PRAGMA busy_timeout = 10000;");
        var random = new Random(5);
        for (int round = 0; round < 5; round++)
        {
            var sync = Task.Run(() => Syncs.Local(origin, replica, settings));
            for (int batch = 0; batch < 40 && !sync.IsCompleted; batch++)
            {
                int from = random.Next(1, 20001), to = random.Next(1, 20001);
                writer.Run($"BEGIN; UPDATE account SET balance = balance - 7, note = randomblob(300) WHERE id = {from}; " +
                           $"UPDATE account SET balance = balance + 7, note = randomblob(300) WHERE id = {to}; COMMIT;" +
                           (batch % 5 == 4 && journalMode == "wal" ? " PRAGMA wal_checkpoint(TRUNCATE);" : ""));
            }
            var result = await sync;
            TestDatabase.AssertIntegrityOk(replica);
            Assert.Equal("2000000", TestDatabase.Sqlite3Cli(replica, "SELECT sum(balance) FROM account"));
            Assert.True(result.PageBytesOnWire <= result.PageBytesRaw);
        }
        var (_, errors) = writer.Finish();
        Assert.Equal("", errors.Trim());

        Syncs.Local(origin, replica, settings);
        TestDatabase.AssertSynced(origin, replica, 4096);
    }
}
