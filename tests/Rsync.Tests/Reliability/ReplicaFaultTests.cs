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
            TestDatabase.Create(replica, rows: 20, journalMode: replicaMode, seed: 3);
            TestDatabase.Checkpoint(replica);
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
