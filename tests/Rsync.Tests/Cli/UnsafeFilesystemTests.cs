using SqlRsync.Engine.Safety;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Cli;

/// <summary>Seed 000: a warning when a database sits on a network or pass-through filesystem, and not otherwise.</summary>
public class UnsafeFilesystemTests
{
    [Theory]
    [InlineData(0x6969L, "NFS")]
    [InlineData(0xFF534D42L, "CIFS/SMB")]
    [InlineData(0xFE534D42L, "SMB2")]
    [InlineData(0x517BL, "SMB")]
    [InlineData(0x65735546L, "FUSE (virtiofs, sshfs and the like)")]
    [InlineData(0x01021997L, "9p")]
    public void NetworkAndPassThroughFilesystemsAreNamed(long filesystemType, string kind) =>
        Assert.Equal(kind, UnsafeFilesystem.KindOf(filesystemType));

    [Theory]
    [InlineData(0xEF53L)]       // ext2/3/4
    [InlineData(0x01021994L)]   // tmpfs
    [InlineData(0x58465342L)]   // xfs
    [InlineData(0x9123683EL)]   // btrfs
    public void LocalFilesystemsAreNot(long filesystemType) => Assert.Null(UnsafeFilesystem.KindOf(filesystemType));

    [Fact]
    public void ThisMachinesTempAndShmAreLocal()
    {
        using var dir = new TempDirectory();
        Assert.Null(UnsafeFilesystem.Kind(dir.File("not-yet.db")));
        Assert.Null(UnsafeFilesystem.Kind("/dev/shm"));
    }

    [SkippableFact]
    public void DatabaseOnFuseWarnsUnlessQuiet()
    {
        Skip.IfNot(File.Exists("/usr/bin/bindfs"), "bindfs is not installed (.ci/run installs it)");
        using var dir = new TempDirectory();
        var underlying = Directory.CreateDirectory(dir.File("disk")).FullName;
        var mounted = Directory.CreateDirectory(dir.File("fuse")).FullName;
        TestDatabase.Create(Path.Combine(underlying, "origin.db"), rows: 300);
        TestDatabase.Checkpoint(Path.Combine(underlying, "origin.db"));
        var mount = ExternalProgram.Run("bindfs", [underlying, mounted]);
        Skip.If(mount.ExitCode != 0, $"bindfs cannot mount a FUSE filesystem here: {mount.StandardError.Trim()}");
        try
        {
            var origin = Path.Combine(mounted, "origin.db");
            var warned = SqlRsyncProgram.Run(origin, dir.File("replica.db"));
            Assert.True(warned.ExitCode == 0, warned.StandardError);
            var line = Assert.Single(warned.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"sqlrsync: warning: origin {origin} is on FUSE", line);
            Assert.Contains("not safe to share across hosts", line);
            TestDatabase.AssertSynced(origin, dir.File("replica.db"), 4096);

            var quiet = SqlRsyncProgram.Run(origin, dir.File("replica.db"), "-q");
            Assert.Equal(0, quiet.ExitCode);
            Assert.Equal("", quiet.StandardError);
        }
        finally
        {
            ExternalProgram.Run("fusermount", ["-u", mounted]);
        }
    }
}
