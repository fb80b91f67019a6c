using System.Globalization;
using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Reliability;

/// <summary>A full disk or a read-only filesystem under the replica: one clear line, and the old replica intact.</summary>
public class ReplicaFaultTests
{
    [SkippableTheory]
    [InlineData("wal")]
    [InlineData("delete")]
    [InlineData(null)]  // no replica yet
    public void DiskFullLeavesTheReplicaAsItWas(string? replicaMode)
    {
        // About 1.5 MB of origin: more than the 256 KiB disk holds.
        var line = SyncOntoFaultyDisk(kibibytes: 256, originRows: 1500, replicaMode, readOnly: false);

        Assert.Matches("(?i)no space left", line);
        Assert.Contains("unchanged", line);
    }

    /// <summary>
    /// A replica larger than SQLite's page cache, so that the cache spills changed pages into the file
    /// before the disk fills: SQLite's pager then stops in an error state and leaves a hot journal.
    /// The rollback must be finished before sqlrsync exits — the file byte for byte as it was, no
    /// journal left, and a reader with read access only can open it at once.
    /// </summary>
    [SkippableTheory]
    [InlineData("delete")]
    [InlineData("truncate")]
    public void DiskFullDuringACacheSpillIsRolledBackBeforeTheExit(string replicaMode)
    {
        using var disk = new SmallFilesystem(6 * 1024);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.CreateRowsOfRandomBytes(origin, rows: 10_000);
        var replica = disk.File("replica.db");
        TestDatabase.Sqlite3Cli(replica, $"PRAGMA journal_mode={replicaMode}; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); " +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2500) INSERT INTO t(v) SELECT randomblob(1000) FROM c;");
        // TRUNCATE mode leaves an empty journal file behind, which is no part of the database.
        File.Delete(replica + "-journal");
        var before = DirectorySnapshot.Take(disk.File(""));

        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica, "--force"), 1);

        Assert.Matches("(?i)no space left", line);
        Assert.Contains("unchanged", line);
        DirectorySnapshot.AssertUnchanged(before, disk.File(""));
        Assert.False(File.Exists(replica + "-journal"));
        Assert.Equal("2500", TestDatabase.Sqlite3Cli($"file:{replica}?mode=ro", "SELECT count(*) FROM t"));
    }

    /// <summary>
    /// When SQLite cannot play a hot journal back (here: the filesystem turned read-only), the replica
    /// is not as it was, and the failure says exactly that; once it can, the file is whole again.
    /// </summary>
    [SkippableFact]
    public void AHotJournalThatCannotBeRolledBackIsReportedAsSuch()
    {
        using var disk = new SmallFilesystem(8 * 1024);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        var replica = disk.File("replica.db");
        TestDatabase.Sqlite3Cli(replica, "PRAGMA journal_mode=delete; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); " +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000) INSERT INTO t(v) SELECT randomblob(1000) FROM c;");
        long length = new FileInfo(replica).Length;
        var original = File.ReadAllBytes(replica);
        // A writer killed after its page cache spilled into the file: a hot journal, a changed file.
        using (var writer = new SqliteShell(replica))
        {
            writer.Run("PRAGMA cache_size = 10; BEGIN; UPDATE t SET v = randomblob(1000); INSERT INTO t(v) SELECT v FROM t;");
            ExternalProgram.Run("kill", ["-9", writer.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        }
        Assert.True(File.Exists(replica + "-journal"));
        Assert.NotEqual(original, File.ReadAllBytes(replica));
        disk.MakeReadOnly();

        var failure = Assert.Throws<SyncException>(() => HotJournal.RollBack(replica, length, TimeSpan.FromSeconds(1)));

        Assert.Equal(SyncFailure.RollbackIncomplete, failure.Reason);
        Assert.Contains($"replica {replica} is NOT as it was: the failed sync's rollback could not complete", failure.Message);
        Assert.DoesNotContain("unchanged", failure.Message);
        disk.MakeWritable();
        HotJournal.RollBack(replica, length, TimeSpan.FromSeconds(1));
        Assert.Equal(original, File.ReadAllBytes(replica));
        Assert.False(File.Exists(replica + "-journal"));
    }

    [SkippableTheory]
    [InlineData("wal")]
    [InlineData("delete")]
    [InlineData(null)]
    public void ReadOnlyFilesystemGivesAClearError(string? replicaMode)
    {
        var line = SyncOntoFaultyDisk(kibibytes: 4096, originRows: 300, replicaMode, readOnly: true);

        // Found before the replica is opened: where the replica, its journal and its record are written.
        Assert.Matches("the replica's directory .* is not writable .*: fix its permissions or choose another place", line);
    }

    /// <summary>
    /// Syncs a fresh origin into a replica (of <paramref name="replicaMode"/>, or none) on a small tmpfs,
    /// which must fail with one error line and leave the replica's directory as it was; returns the line.
    /// </summary>
    private static string SyncOntoFaultyDisk(int kibibytes, int originRows, string? replicaMode, bool readOnly)
    {
        using var disk = new SmallFilesystem(kibibytes);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, originRows);
        var replica = disk.File("replica.db");
        if (replicaMode is not null)
        {
            TestDatabase.CreateReplica(replica, rows: 20, journalMode: replicaMode, seed: 3);
        }
        if (readOnly)
        {
            disk.MakeReadOnly();
        }
        var replicaDirectory = Path.GetDirectoryName(replica)!;
        var before = DirectorySnapshot.Take(replicaDirectory);

        var line = SqlRsyncProgram.AssertErrorLine(SqlRsyncProgram.Run(origin, replica), 1);

        DirectorySnapshot.AssertUnchanged(before, replicaDirectory);
        // (sqlite3 cannot open a WAL database on a read-only filesystem at all; the snapshot says enough there.)
        if (replicaMode is not null && !readOnly)
        {
            TestDatabase.AssertIntegrityOk(replica);
        }
        return line;
    }
}
