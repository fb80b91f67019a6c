using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// The directory object store: objects are created whole, once, under keys that stay inside the
/// store; nothing is reached through a symbolic link; a writer's leftovers are never listed.
/// </summary>
public class DirectoryObjectStoreTests
{
    [Fact]
    public void AnObjectIsCreatedOnceAndReadWholeOrInPart()
    {
        using var dir = new TempDirectory();
        using var store = DirectoryObjectStore.Create(dir.File("archive"));

        Assert.True(store.Create("packs/ab/one", "0123456789"u8));
        Assert.False(store.Create("packs/ab/one", "something else"u8));

        Assert.Equal("0123456789"u8.ToArray(), store.Read("packs/ab/one"));
        Assert.Equal("345"u8.ToArray(), store.ReadRange("packs/ab/one", 3, 3));
        Assert.Throws<IOException>(() => store.ReadRange("packs/ab/one", 8, 3));
        Assert.Null(store.Read("packs/ab/two"));
        Assert.Throws<ArgumentException>(() => store.Read("../outside"));
    }

    /// <summary>
    /// Objects read in ranges stay open for the next read (a restore reads each pack many times), but
    /// never more than a bounded number, never past their deletion, and not past the store.
    /// </summary>
    [Fact]
    public void RangedReadsKeepABoundedNumberOfObjectsOpen()
    {
        using var dir = new TempDirectory();
        // This process's descriptors open on files in the store (other tests run beside this one).
        int OpenInStore() => new DirectoryInfo("/proc/self/fd").GetFiles()
            .Count(fd => fd.LinkTarget is { } target && target.StartsWith(dir.File("archive/packs"), StringComparison.Ordinal));
        using (var store = DirectoryObjectStore.Create(dir.File("archive")))
        {
            for (int i = 0; i < 300; i++)
            {
                store.Create($"packs/{i % 256:x2}/{i}", BitConverter.GetBytes(i));
                Assert.Equal(BitConverter.GetBytes(i)[1..3], store.ReadRange($"packs/{i % 256:x2}/{i}", 1, 2));
            }
            Assert.Equal(128, OpenInStore());

            Assert.Equal(BitConverter.GetBytes(7), store.ReadRange("packs/07/7", 0, 4));
            store.Delete("packs/07/7");
            Assert.Throws<IOException>(() => store.ReadRange("packs/07/7", 0, 4));
            Assert.Equal(127, OpenInStore());
        }
        Assert.Equal(0, OpenInStore());
    }

    [Fact]
    public void ListingIsInKeyOrderAndShowsNoLeftovers()
    {
        using var dir = new TempDirectory();
        using var store = DirectoryObjectStore.Create(dir.File("archive"));
        store.Create("snapshots/b", [2]);
        store.Create("snapshots/a", [1, 1]);
        store.Create("index/c", [3]);
        File.WriteAllBytes(Path.Combine(store.Location, "snapshots", ".tmp-0123456789abcdef"), [9]);

        Assert.Equal([new("snapshots/a", 2), new("snapshots/b", 1)], store.List("snapshots/"));
        Assert.Equal(["index/c", "snapshots/a", "snapshots/b"], store.List("").Select(stored => stored.Key));
        Assert.Empty(store.List("packs/"));

        store.RemoveLeftovers();
        Assert.False(File.Exists(Path.Combine(store.Location, "snapshots", ".tmp-0123456789abcdef")));
        store.Delete("snapshots/a");
        store.Delete("snapshots/a");
        Assert.Equal(["snapshots/b"], store.List("snapshots/").Select(stored => stored.Key));
    }

    /// <summary>A second user who can write the archive's directory plants links; none is followed, for reading or writing.</summary>
    [Fact]
    public void APlantedSymbolicLinkIsNeverFollowed()
    {
        using var dir = new TempDirectory();
        using var store = DirectoryObjectStore.Create(dir.File("archive"));
        var secret = dir.File("secret");
        File.WriteAllText(secret, "not the archive's");
        Directory.CreateDirectory(dir.File("elsewhere"));
        File.CreateSymbolicLink(Path.Combine(store.Location, "config"), secret);
        Directory.CreateSymbolicLink(Path.Combine(store.Location, "packs"), dir.File("elsewhere"));

        Assert.Throws<IOException>(() => store.Read("config"));
        Assert.ThrowsAny<IOException>(() => store.Create("packs/ab/one", [1]));
        Assert.Empty(Directory.GetFiles(dir.File("elsewhere"), "*", SearchOption.AllDirectories));
        Assert.Empty(store.List(""));
    }

    [Fact]
    public void TheLockIsSharedOrExclusive()
    {
        using var dir = new TempDirectory();
        using var store = DirectoryObjectStore.Create(dir.File("archive"));
        using var other = DirectoryObjectStore.Open(store.Location)!;

        using (store.Lock(exclusive: false, TimeSpan.Zero, default))
        {
            using (other.Lock(exclusive: false, TimeSpan.Zero, default))
            {
            }
            Assert.Throws<TimeoutException>(() => other.Lock(exclusive: true, TimeSpan.FromMilliseconds(100), default));
        }
        using (other.Lock(exclusive: true, TimeSpan.Zero, default))
        {
            Assert.Throws<TimeoutException>(() => store.Lock(exclusive: false, TimeSpan.Zero, default));
        }
    }
}
