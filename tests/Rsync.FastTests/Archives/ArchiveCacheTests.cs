using SqlRsync.Engine.Archives;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// The cache of an archive in object storage holds nothing trusted: a chunk whose bytes do not hash to
/// its name is not used, and a cache directory another user could write to, or a symbolic link to one,
/// is not used at all (its files could be swapped, and clearing old chunks would delete in the wrong place).
/// </summary>
public class ArchiveCacheTests
{
    private static readonly byte[] ArchiveId = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];

    [Fact]
    public void AChunkIsUsedOnlyIfItsBytesHashToItsId()
    {
        using var dir = new TempDirectory();
        using var sealer = Sealer.Plain();
        var cache = ArchiveCache.Open(dir.File("cache"), ArchiveId)!;
        var chunk = new byte[] { 1, 0, 0, 0, 0 };
        var id = sealer.IdOf(chunk);
        cache.KeepMapChunk(id, chunk);
        Assert.Equal(chunk, cache.MapChunk(id, sealer));

        var file = Path.Combine(dir.File("cache"), Convert.ToHexStringLower(ArchiveId), "map", id.ToString());
        File.WriteAllBytes(file, [1, 0, 0, 0, 1]);

        Assert.Null(cache.MapChunk(id, sealer));
        cache.KeepOnly([]);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void ACacheDirectoryOthersMayWriteToOrALinkIsNotUsed()
    {
        using var dir = new TempDirectory();
        var shared = dir.File("shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x1FF);
        var linked = dir.File("linked");
        var target = dir.File("target");
        Directory.CreateDirectory(target);
        File.CreateSymbolicLink(linked, target);

        Assert.Null(ArchiveCache.Open(shared, ArchiveId));
        Assert.Null(ArchiveCache.Open(linked, ArchiveId));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.NotNull(ArchiveCache.Open(dir.File("private"), ArchiveId));
        Assert.Null(ArchiveCache.Open(null, ArchiveId));
    }

    [Fact]
    public void TheNewestNameIsKeptOnlyIfItIsASnapshotsName()
    {
        using var dir = new TempDirectory();
        var cache = ArchiveCache.Open(dir.File("cache"), ArchiveId)!;
        Assert.Null(cache.NewestSnapshotKey);
        cache.NewestSnapshotKey = "snapshots/20261207T193000000Z-0123456789abcdef";
        Assert.Equal("snapshots/20261207T193000000Z-0123456789abcdef", cache.NewestSnapshotKey);
        cache.NewestSnapshotKey = "../config";
        Assert.Null(cache.NewestSnapshotKey);
    }
}
