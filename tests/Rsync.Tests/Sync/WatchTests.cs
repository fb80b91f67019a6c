using System.Diagnostics;
using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// `--watch` through the library: replicas kept fresh while other processes (Debian's sqlite3 shell,
/// busy timeout 0) write and checkpoint the origin and read the replica. Every wait is bounded.
/// </summary>
public class WatchTests
{
    /// <summary>
    /// A writer commits one numbered row a transaction, with checkpoints among them; a reader of the
    /// replica sees only gap-free prefixes of the rows (each a state the origin committed), never fewer
    /// than it saw before; when the writer stops the replica catches up and equals the origin.
    /// </summary>
    [Fact]
    public async Task AReaderOfTheReplicaSeesOnlyCommittedStatesInOrderAndTheReplicaCatchesUp()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 2000);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(replica)], new WatchOptions { Interval = TimeSpan.FromMilliseconds(20) });
        watch.WaitUntil(() => File.Exists(replica), "the first cycle makes the replica");

        using var writer = new SqliteShell(origin);
        writer.WaitUntilOpen();
        using var reader = new SqliteShell(replica);
        const int Rows = 1500;
        for (int n = 1; n <= Rows; n++)
        {
            writer.Send($"INSERT INTO log VALUES ({n});");
            if (n % 100 == 0)
            {
                writer.Send(n % 200 == 0 ? "PRAGMA wal_checkpoint(TRUNCATE);" : "PRAGMA wal_checkpoint(RESTART);");
                reader.Send("SELECT count(*), coalesce(max(n), 0) FROM log;");
                Thread.Sleep(20);
            }
            if (n % 10 == 0)
            {
                reader.Send("SELECT count(*), coalesce(max(n), 0) FROM log;");
            }
        }
        writer.Run("");
        watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM log") == Rows.ToString(CultureInfo.InvariantCulture),
            "the replica catches up once the writer stops");
        var summary = await watch.StopAsync();

        var (written, writeErrors) = writer.Finish();
        Assert.DoesNotContain("locked", writeErrors);
        Assert.DoesNotContain("busy", writeErrors, StringComparison.OrdinalIgnoreCase);
        var (seen, readErrors) = reader.Finish();
        Assert.Equal("", readErrors.Trim());
        ReaderLog.AssertCommittedStatesInOrder(seen);
        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.True(summary.Cycles >= 3, $"{summary.Cycles} cycles");
        Assert.Equal(0, summary.FailedSyncs);
        Assert.Equal(summary.Cycles, watch.Cycles.Count);
        Assert.All(watch.Cycles, cycle => Assert.True(cycle.Replicas.Single().Succeeded));
        Assert.Contains(watch.Cycles, cycle => cycle.Lag > TimeSpan.Zero && cycle.PagesSent > 0);
    }

    /// <summary>An idle origin costs no cycle: the replica is synced once and left alone.</summary>
    [Fact]
    public async Task AnIdleOriginRunsNoCycles()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 500);
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(dir.File("replica.db"))], new WatchOptions { Interval = TimeSpan.Zero });
        watch.WaitUntil(() => watch.Cycles.Count == 1, "the first cycle");

        Thread.Sleep(500);
        var summary = await watch.StopAsync();

        Assert.Equal(1, summary.Cycles);
    }

    /// <summary>A database moved over the origin's path is followed, and said once; a deleted replica is rebuilt.</summary>
    [Fact]
    public async Task AnOriginMovedOverIsFollowedAndADeletedReplicaIsRebuilt()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        var other = dir.File("other.db");
        TestDatabase.Create(origin, rows: 500, seed: 1);
        TestDatabase.Create(other, rows: 800, seed: 2);
        TestDatabase.Checkpoint(other);
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(replica)], new WatchOptions { Interval = TimeSpan.Zero });
        watch.WaitUntil(() => watch.Cycles.Count == 1, "the first cycle");

        File.Move(other, origin, overwrite: true);
        watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items") == "800", "the replica follows the new origin");
        File.Delete(replica);
        watch.WaitUntil(() => File.Exists(replica) && TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items") == "800",
            "the deleted replica is rebuilt");
        await watch.StopAsync();

        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Single(watch.Said, line => line.Contains("is another file now", StringComparison.Ordinal));
        Assert.Single(watch.Said, line => line.Contains("was deleted or replaced; rebuilding it", StringComparison.Ordinal));
    }

    /// <summary>
    /// A VACUUM of the origin, then a change of its page size (out of WAL, page_size, VACUUM, back to WAL)
    /// while the watch runs: each is followed, with a rescan where the WAL cannot tell what changed, and
    /// the replica takes the new page size; commits after them go by the kept trees again.
    /// </summary>
    [Fact]
    public async Task AVacuumAndAPageSizeChangeUnderTheWatchAreFollowed()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 20000);
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(replica)], new WatchOptions { Interval = TimeSpan.Zero });
        watch.WaitUntil(() => watch.Cycles.Count == 1, "the first cycle");

        TestDatabase.Sqlite3Cli(origin, "DELETE FROM items WHERE id % 3 = 0; VACUUM;");
        watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items") == "13334", "the replica follows the VACUUM");
        // Leaving WAL mode needs the only connection, which a cycle's is not: like its owner would, try again (bounded).
        for (int attempt = 1; ; attempt++)
        {
            var change = ExternalProgram.Run("sqlite3", [origin, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 8192; VACUUM; PRAGMA journal_mode = WAL;"]);
            if (change.ExitCode == 0)
            {
                break;
            }
            Assert.True(change.StandardError.Contains("database is locked", StringComparison.Ordinal) && attempt < 50, change.StandardError);
            Thread.Sleep(100);
        }
        watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "PRAGMA page_size") == "8192", "the replica takes the new page size");
        int before = watch.Cycles.Count;
        // A writer that stays open: the last connection to close checkpoints and removes the -wal, and the commits in it with it.
        using var writer = new SqliteShell(origin);
        foreach (var name in (string[])["after", "and after", "and then"])
        {
            writer.Run($"UPDATE items SET name = '{name}' WHERE id = 1;");
            watch.WaitUntil(() => TestDatabase.Sqlite3Cli(replica, "SELECT name FROM items WHERE id = 1") == name, $"the replica takes '{name}'");
        }
        await watch.StopAsync();

        TestDatabase.AssertSynced(origin, replica, 8192);
        Assert.Equal("wal", TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode"));
        Assert.Equal(0, watch.Cycles.Count(cycle => !cycle.Replicas.Single().Succeeded));
        Assert.Contains(watch.Cycles.Skip(1).Take(before - 1), cycle => cycle.Rescan);
        // The last change came without a rescan (a cycle after it, woken by the WAL alone, may send nothing).
        var last = watch.Cycles.Last(cycle => cycle.PagesSent > 0);
        Assert.False(last.Rescan, $"the last cycle that sent pages: {last}");
    }

    /// <summary>
    /// A replica that cannot be written fails alone: it is said once, tried again less often, and said
    /// again once it syncs; the other replica is kept fresh all along.
    /// </summary>
    [Fact]
    public async Task AFailingReplicaIsSaidOnceAndTriedAgainWhileTheOtherGoesOn()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var good = dir.File("good.db");
        var later = dir.File("later/replica.db");
        TestDatabase.Create(origin, rows: 500);
        var options = new WatchOptions { Interval = TimeSpan.Zero, RetryAfter = TimeSpan.FromMilliseconds(50) };
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(good), SyncEndpoint.Local(later)], options);
        for (int round = 1; round <= 5; round++)
        {
            TestDatabase.Sqlite3Cli(origin, $"INSERT INTO items(name, body) VALUES ('round {round}', randomblob(100))");
            watch.WaitUntil(() => File.Exists(good) && TestDatabase.Sqlite3Cli(good, $"SELECT count(*) FROM items WHERE name = 'round {round}'") == "1",
                $"the good replica takes round {round}");
        }
        watch.WaitUntil(() => watch.Cycles.Count(cycle => cycle.Replicas.Any(outcome => !outcome.Succeeded)) >= 2, "the failing replica is tried again");

        Directory.CreateDirectory(dir.File("later"));
        // The recovery is said once the cycle's outcome is in: a file in place may still be a cycle away from it.
        watch.WaitUntil(() => watch.Said.Contains($"replica {later}: synced again"), "the replica syncs once it can");
        var summary = await watch.StopAsync();

        TestDatabase.AssertSynced(origin, later, 4096);
        Assert.Single(watch.Said, line => line.StartsWith($"replica {later}: ", StringComparison.Ordinal) && line.Contains("trying again in 0.1 s"));
        Assert.Single(watch.Said, line => line == $"replica {later}: synced again");
        Assert.True(summary.FailedSyncs >= 2, $"{summary.FailedSyncs} failed syncs");
    }

    /// <summary>An archive takes a snapshot at most every --snapshot-every, while a database replica is synced every cycle.</summary>
    [Fact]
    public async Task AnArchiveTakesASnapshotAtMostEverySnapshotEvery()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        var archive = dir.File("archive");
        TestDatabase.Create(origin, rows: 500);
        var options = new WatchOptions { Interval = TimeSpan.FromMilliseconds(20), SnapshotEvery = TimeSpan.FromSeconds(1) };
        using var watch = new LibraryWatch(origin, [SyncEndpoint.Local(replica), SyncEndpoint.Archive(archive)], options);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++)
        {
            TestDatabase.Sqlite3Cli(origin, $"INSERT INTO items(name, body) VALUES ('row {i}', randomblob(100))");
            Thread.Sleep(50);
        }
        watch.WaitUntil(() => File.Exists(replica) && TestDatabase.Sqlite3Cli(replica, "SELECT count(*) FROM items WHERE name = 'row 49'") == "1",
            "the replica catches up");
        var elapsed = clock.Elapsed;
        await watch.StopAsync();

        var snapshots = await SnapshotArchives.ListAsync(SyncEndpoint.Archive(archive));
        // One at the start, then at most one a second.
        Assert.InRange(snapshots.Count, 2, 2 + (int)elapsed.TotalSeconds);
        Assert.True(watch.Cycles.Count > snapshots.Count + 5, $"{watch.Cycles.Count} cycles, {snapshots.Count} snapshots");
    }
}
