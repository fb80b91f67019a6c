using System.Globalization;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// Local syncs over a matrix of situations: afterwards the replica is page-identical to the origin
/// (page-1 bytes 24-27 and 92-99 aside) and Debian's sqlite3 finds it intact.
/// </summary>
public class SyncMatrixTests
{
    private static readonly SyncOptions Settings = new() { BusyTimeout = TimeSpan.FromSeconds(5) };

    [Theory]
    [InlineData(Situation.NewReplica)]
    [InlineData(Situation.Identical)]
    [InlineData(Situation.OnePercentChanged)]
    [InlineData(Situation.ThirtyPercentChanged)]
    [InlineData(Situation.OriginGrew)]
    [InlineData(Situation.OriginShrankAfterVacuum)]
    [InlineData(Situation.Unrelated)]
    public void ReplicaEndsPageIdentical(Situation situation)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 6000);
        if (situation != Situation.NewReplica)
        {
            if (situation == Situation.Unrelated)
            {
                TestDatabase.CreateReplica(replica, rows: 8000, seed: 99);
            }
            else
            {
                Assert.True(Syncs.Local(origin, replica, Settings).PagesSent > 0);
            }
        }
        TestDatabase.Change(origin, situation);

        var result = Syncs.Local(origin, replica, Settings);

        TestDatabase.AssertSynced(origin, replica, 4096);
        if (situation == Situation.Identical)
        {
            Assert.Equal(0u, result.PagesSent);
            Assert.True(result.BytesWritten + result.BytesRead <= 4096, $"an identical sync exchanged {result.BytesWritten + result.BytesRead} bytes");
        }
        if (situation == Situation.OnePercentChanged)
        {
            Assert.True(result.PagesSent < result.OriginPageCount / 2, $"sent {result.PagesSent} of {result.OriginPageCount} pages for 1% of rows");
        }
        Assert.True(result.RoundTrips <= 5, $"{result.RoundTrips} round trips");
    }

    [Theory]
    [InlineData(512)]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(4096)]
    [InlineData(8192)]
    [InlineData(16384)]
    [InlineData(32768)]
    [InlineData(65536)]
    public void EveryPageSizeSyncs(int pageSize)
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000, pageSize: pageSize);
        Syncs.Local(origin, replica, Settings);
        TestDatabase.Change(origin, Situation.OnePercentChanged);

        Syncs.Local(origin, replica, Settings);

        TestDatabase.AssertSynced(origin, replica, pageSize);
        Assert.Equal(pageSize.ToString(CultureInfo.InvariantCulture), TestDatabase.Sqlite3Cli(replica, "PRAGMA page_size"));
    }

    [Fact]
    public void RollbackJournalOriginSyncs()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000, journalMode: "delete");
        Syncs.Local(origin, replica, Settings);
        TestDatabase.Change(origin, Situation.ThirtyPercentChanged);

        Syncs.Local(origin, replica, Settings);

        TestDatabase.AssertSynced(origin, replica, 4096);
        Assert.Equal("delete", TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode"));
    }

    [Fact]
    public void OriginFilesAreByteIdenticalAfterASync()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        TestDatabase.Create(origin, rows: 3000);
        // Committed frames stay in the -wal while this idle connection keeps the database open.
        using var idleWriter = TestDatabase.Connect(origin);
        TestDatabase.Execute(idleWriter, "PRAGMA wal_autocheckpoint = 0");
        TestDatabase.InsertRows(idleWriter, 500, seed: 5);
        var before = ReadFiles(origin);
        Assert.True(before["-wal"].Length > 0);

        Syncs.Local(origin, replica, Settings);
        Syncs.Local(origin, replica, Settings);

        Assert.Equal(before, ReadFiles(origin));
    }

    [Fact]
    public void DatabaseCrossingTheLockBytePageSyncs()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        var replica = dir.File("replica.db");
        // 64 KiB pages: the lock-byte page is page 16385; a 1.1 GiB blob takes the file past it.
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "PRAGMA page_size = 65536");
            TestDatabase.Execute(connection, "PRAGMA journal_mode = wal");
            TestDatabase.Execute(connection, "CREATE TABLE big(id INTEGER PRIMARY KEY, data BLOB)");
            // Two blobs: one may be at most 1e9 bytes.
            TestDatabase.Execute(connection, "INSERT INTO big(data) VALUES (zeroblob(550 * 1024 * 1024)), (zeroblob(550 * 1024 * 1024))");
            TestDatabase.Execute(connection, "CREATE TABLE small(x)");
            TestDatabase.Execute(connection, "INSERT INTO small VALUES ('after the lock-byte page')");
        }

        var first = Syncs.Local(origin, replica, Settings);
        Assert.True(first.OriginPageCount > 16385, $"only {first.OriginPageCount} pages");
        Assert.Equal(first.OriginPageCount - 1, first.PagesSent);

        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, "UPDATE small SET x = 'changed'");
        }
        var second = Syncs.Local(origin, replica, Settings);
        Assert.True(second.PagesSent < 10, $"sent {second.PagesSent} pages");

        TestDatabase.AssertSynced(origin, replica, 65536);
        Assert.Equal("changed", TestDatabase.Sqlite3Cli(replica, "SELECT x FROM small"));
    }

    private static readonly string[] DatabaseAndLog = ["", "-wal"];

    private static Dictionary<string, string> ReadFiles(string path) =>
        DatabaseAndLog.Where(s => File.Exists(path + s))
            .ToDictionary(s => s, s => Convert.ToHexString(File.ReadAllBytes(path + s)));
}
