using System.Diagnostics;
using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// `--watch` for a minute against a busy writer (Debian's sqlite3 shell in another process, synchronous
/// NORMAL): what readers of the replica see (and, in <see cref="WatchWalGrowthTests"/>, what the watch
/// costs the origin's WAL). Each test is bounded by its clock.
/// </summary>
public class WatchEnduranceTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The writers' busy timeout. A reader that catches the WAL-index header while a commit rewrites it
    /// (any reader: ours, like the application's own) holds the WAL write lock for a moment to read it
    /// again (walIndexReadHdr), and a writer at full speed without a busy timeout then fails a commit
    /// now and then (about 1 in 2 million here). Writers at that speed wait, as applications do;
    /// WatchTests keeps a writer without one.
    /// </summary>
    internal const string WriterWaits = ".timeout 1000";

    /// <summary>
    /// For a minute a writer commits one numbered row a transaction, about 2,000 a second, with a
    /// TRUNCATE or RESTART checkpoint every 200 rows and a VACUUM every 15 s, while a reader reads the
    /// replica every 10 ms: every state it sees is one the origin committed, in order; no commit
    /// fails; the replica catches up and equals the origin. Both the kept tree and its rescans (after
    /// each truncation it could not follow) were used.
    /// </summary>
    [Fact]
    public async Task ForAMinuteOfCheckpointStormsReadersSeeOnlyCommittedStatesInOrder()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(replica)], new WatchOptions { Interval = TimeSpan.FromMilliseconds(10) });
        watch.WaitUntil(() => File.Exists(replica), "the first cycle makes the replica");

        using var writer = new SqliteShell(origin);
        writer.Run($"{WriterWaits}\nPRAGMA synchronous = NORMAL;");
        using var reader = new SqliteShell(replica);
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(() =>
        {
            while (clock.Elapsed < Minute)
            {
                reader.Send("SELECT count(*), coalesce(max(n), 0) FROM log;");
                Thread.Sleep(10);
            }
        });
        int rows = 0;
        var lastVacuum = TimeSpan.Zero;
        while (clock.Elapsed < Minute)
        {
            // 20 rows every 10 ms: the reader's count(*) stays cheap enough to keep up with its questions.
            for (int i = 0; i < 20; i++)
            {
                writer.Send($"INSERT INTO log VALUES ({++rows});");
                if (rows % 200 == 0)
                {
                    writer.Send(rows % 400 == 0 ? "PRAGMA wal_checkpoint(TRUNCATE);" : "PRAGMA wal_checkpoint(RESTART);");
                }
            }
            if (clock.Elapsed - lastVacuum > TimeSpan.FromSeconds(15))
            {
                writer.Send("VACUUM;");
                lastVacuum = clock.Elapsed;
            }
            Thread.Sleep(10);
        }
        writer.Run("");
        await reading;
        watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM log") == rows.ToString(CultureInfo.InvariantCulture),
            "the replica catches up once the writer stops");
        var summary = await watch.StopAsync();

        var (_, writeErrors) = writer.Finish();
        Assert.True(writeErrors.Trim() == "", writeErrors);
        var (seen, readErrors) = reader.Finish();
        Assert.Equal("", readErrors.Trim());
        int reads = ReaderLog.AssertCommittedStatesInOrder(seen);
        Assert.True(reads > 1000, $"{reads} reads");
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Equal(0, summary.FailedSyncs);
        Assert.True(summary.Cycles > 100, $"{summary.Cycles} cycles for {rows} rows");
        Assert.Contains(watch.Cycles, cycle => cycle.Rescan);
        Assert.Contains(watch.Cycles, cycle => !cycle.Rescan && cycle.PagesSent > 0);
    }
}
