using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// Syncs while other processes (Debian's sqlite3 shell, busy timeout 0) write the origin, read the
/// replica, or checkpoint the origin. Each test runs a fixed number of syncs and feeds the other
/// process a bounded batch of statements while each sync runs.
/// </summary>
public class LiveDatabaseTests
{
    private const int Rounds = 5;
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task WriterOnTheOriginNeverSeesBusyAndReplicasHoldAGapFreePrefix()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 5000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");

        using var writer = new SqliteShell(origin);
        // Connected before the first sync: a connection that opens a WAL database first runs its
        // recovery, and a writer with busy timeout 0 that opens during that gets SQLITE_BUSY from
        // SQLite itself, whoever the other connection is.
        writer.WaitUntilOpen();
        int next = 1;
        for (int round = 0; round < Rounds; round++)
        {
            var sync = Task.Run(() => Syncs.Local(origin, replica, Settings));
            // One autocommit transaction per row while the sync runs (bounded: 2,000 per sync).
            for (int i = 0; i < 2000 && !sync.IsCompleted; i++)
            {
                writer.Send($"INSERT INTO log VALUES ({next++});");
            }
            await sync;
            var (count, max) = CountAndMax(replica, "SELECT count(*), coalesce(max(n), 0) FROM log");
            if (count != max)
            {
                // Tells a writer that saw SQLITE_BUSY (the origin has the gaps too) from an inconsistent copy.
                var originRows = CountAndMax(origin, $"SELECT count(*), 0 FROM log WHERE n <= {max}").Count;
                Assert.Fail($"replica after sync {round + 1} holds {count} rows up to {max}: not a gap-free prefix " +
                            $"(the origin holds {originRows} of them; the writer said: {writer.Finish().Error.Trim()})");
            }
        }
        var (_, errors) = writer.Finish();

        Assert.DoesNotContain("locked", errors);
        Assert.DoesNotContain("busy", errors, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((long)(next - 1), CountAndMax(origin, "SELECT count(*), max(n) FROM log").Count);
    }

    [Fact]
    public async Task ReaderOfTheReplicaAlwaysSeesAConsistentState()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);
        // Invariant kept by every origin transaction: meta.n = number of rows in items.
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE meta(n); INSERT INTO meta SELECT count(*) FROM items;");
        Syncs.Local(origin, replica, Settings);

        using var reader = new SqliteShell(replica);
        for (int round = 0; round < Rounds; round++)
        {
            TestDatabase.Sqlite3Cli(origin,
                $"BEGIN; DELETE FROM items WHERE id % 7 = {round}; INSERT INTO items(name, body) SELECT name || '+', randomblob(300) FROM items " +
                    "WHERE id % 5 = 0; UPDATE meta SET n = (SELECT count(*) FROM items); COMMIT;");
            var sync = Task.Run(() => Syncs.Local(origin, replica, Settings));
            for (int i = 0; i < 300 && !sync.IsCompleted; i++)
            {
                reader.Send("SELECT (SELECT count(*) FROM items) = (SELECT n FROM meta);");
            }
            await sync;
        }
        var (output, errors) = reader.Finish();

        Assert.Equal("", errors.Trim());
        var answers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(answers);
        Assert.All(answers, answer => Assert.Equal("1", answer));
    }

    [Fact]
    public async Task CheckpointStormOnTheOriginLeavesAConsistentReplica()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 5000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY); CREATE TABLE meta(n); INSERT INTO meta VALUES (0);");

        using var checkpointer = new SqliteShell(origin);
        // Writes from this process keep the WAL growing so that checkpoints have work to do.
        using var writer = TestDatabase.Connect(origin);
        TestDatabase.Execute(writer, "PRAGMA busy_timeout = 10000");
        int next = 1;
        for (int round = 0; round < Rounds; round++)
        {
            var sync = Task.Run(() => Syncs.Local(origin, replica, Settings));
            for (int i = 0; i < 500 && !sync.IsCompleted; i++)
            {
                checkpointer.Send(i % 2 == 0 ? "PRAGMA wal_checkpoint(RESTART);" : "PRAGMA wal_checkpoint(TRUNCATE);");
                TestDatabase.Execute(writer, $"BEGIN; INSERT INTO log VALUES ({next}); UPDATE meta SET n = {next}; COMMIT;");
                next++;
            }
            await sync;
            TestDatabase.AssertIntegrityOk(replica);
            var (count, max) = CountAndMax(replica, "SELECT count(*), (SELECT n FROM meta) FROM log");
            Assert.True(count == max, $"replica after sync {round + 1}: {count} log rows but meta says {max}");
        }
        checkpointer.Finish();
    }

    private static (long Count, long Max) CountAndMax(string path, string sql)
    {
        var parts = TestDatabase.Sqlite3Cli(path, sql).Split('|');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
