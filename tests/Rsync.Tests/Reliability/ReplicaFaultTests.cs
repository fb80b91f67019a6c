using Rsync.Tests.Support;

namespace Rsync.Tests.Reliability;

/// <summary>A full disk or a read-only filesystem under the replica: one clear line, and the old replica intact.</summary>
public class ReplicaFaultTests
{
    [SkippableTheory]
    [InlineData("wal")]
    [InlineData("delete")]
    [InlineData(null)]  // no replica yet
    public void DiskFullLeavesTheReplicaAsItWas(string? replicaMode)
    {
        using var disk = new SmallFilesystem(kibibytes: 256);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 1500);  // about 1.5 MB: more than the disk holds
        var replica = disk.File("replica.db");
        if (replicaMode is not null)
        {
            TestDatabase.Create(replica, rows: 20, journalMode: replicaMode, seed: 3);
            TestDatabase.Checkpoint(replica);
        }
        var before = DirectorySnapshot.Take(Path.GetDirectoryName(replica)!);

        var result = SqlRsyncProgram.Run(origin, replica);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches("(?i)no space left", line);
        Assert.Contains("unchanged", line);
        DirectorySnapshot.AssertUnchanged(before, Path.GetDirectoryName(replica)!);
        if (replicaMode is not null)
        {
            TestDatabase.AssertIntegrityOk(replica);
        }
    }

    [SkippableTheory]
    [InlineData("wal", "cannot open replica")]
    [InlineData("delete", "is read-only")]
    [InlineData(null, "cannot create replica")]
    public void ReadOnlyFilesystemGivesAClearError(string? replicaMode, string expected)
    {
        using var disk = new SmallFilesystem(kibibytes: 4096);
        Skip.If(disk.Unavailable is not null, disk.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        TestDatabase.Create(origin, rows: 300);
        var replica = disk.File("replica.db");
        if (replicaMode is not null)
        {
            TestDatabase.Create(replica, rows: 20, journalMode: replicaMode, seed: 3);
            TestDatabase.Checkpoint(replica);
        }
        disk.MakeReadOnly();
        var before = DirectorySnapshot.Take(Path.GetDirectoryName(replica)!);

        var result = SqlRsyncProgram.Run(origin, replica);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.Matches("writable|permissions|Read-only", line);
        DirectorySnapshot.AssertUnchanged(before, Path.GetDirectoryName(replica)!);
    }
}
