using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// Snapshots taken while another process (Debian's sqlite3 shell) commits one row at a time to the
/// origin: every snapshot restores to exactly one committed state (the log holds a gap-free prefix
/// 1..k), later snapshots to later states. A WAL origin's writer, with busy timeout 0, never sees
/// SQLITE_BUSY; a rollback-journal origin's writer waits (busy timeout 10 s) while the snapshot is read,
/// as SQLite's read lock makes every writer of such a database wait, and is never refused either.
/// </summary>
public class ArchiveLiveWriterTests
{
    private const int Snapshots = 5;

    [Theory]
    [InlineData("wal")]
    [InlineData("delete")]
    public async Task EverySnapshotIsOneCommittedStateInOrderAndTheWriterIsNeverRefused(string journalMode)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 5000, journalMode: journalMode);
        TestDatabase.Sqlite3Cli(origin, "CREATE TABLE log(n INTEGER PRIMARY KEY)");
        var archive = SyncEndpoint.Archive(dir.File("archive"));
        var options = new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(10) };

        using var writer = new SqliteShell(origin);
        if (journalMode == "delete")
        {
            writer.Send(".timeout 10000");
        }
        writer.WaitUntilOpen();
        int next = 1;
        var taken = new List<string>();
        for (int round = 0; round < Snapshots; round++)
        {
            var add = Task.Run(() => DatabaseSync.RunAsync(SyncEndpoint.Local(origin), archive, options));
            // One autocommit transaction per row while the snapshot is taken (bounded: 2,000 per snapshot).
            for (int i = 0; i < 2000 && !add.IsCompleted; i++)
            {
                writer.Send($"INSERT INTO log VALUES ({next++});");
            }
            taken.Add((await add).Snapshot!.Id);
        }
        var (_, errors) = writer.Finish();

        Assert.DoesNotContain("locked", errors);
        Assert.DoesNotContain("busy", errors, StringComparison.OrdinalIgnoreCase);
        long previous = -1;
        foreach (var id in taken)
        {
            var restored = dir.File($"restored-{id}.db");
            await DatabaseSync.RunAsync(new ArchiveEndpoint(archive.Path) { At = id }, SyncEndpoint.Local(restored));
            TestDatabase.AssertIntegrityOk(restored);
            var (count, max) = CountAndMax(restored);
            Assert.True(count == max, $"snapshot {id} holds {count} rows up to {max}: not one committed state");
            Assert.True(max >= previous, $"snapshot {id} holds rows up to {max}, an earlier one up to {previous}");
            previous = max;
            Assert.Equal(TestDatabase.Sqlite3Cli(origin, "SELECT sum(length(name)), count(*) FROM items"),
                TestDatabase.Sqlite3Cli(restored, "SELECT sum(length(name)), count(*) FROM items"));
        }
        Assert.True((await SnapshotArchives.VerifyAsync(archive)).IsIntact);
    }

    private static (long Count, long Max) CountAndMax(string database)
    {
        var fields = TestDatabase.Sqlite3Cli(database, "SELECT count(*), coalesce(max(n), 0) FROM log").Split('|');
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
