using SqlRsync.Engine.Archives;
using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>A snapshot's pages as an add takes them: in any order, a page twice keeping its last version, each distinct page stored once.</summary>
public class SnapshotAdditionTests
{
    [Fact]
    public void PagesOutOfOrderOrTwiceMakeTheMapOfTheirLastVersions()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var pages = Enumerable.Range(0, 4).Select(i => Enumerable.Repeat((byte)(i + 1), 4096).ToArray()).ToArray();
        var addition = new SnapshotAddition(archive, parent: null, PageMap.Empty(4096), 4096);

        addition.AddPage(3, pages[2]);
        addition.AddPage(1, pages[0]);
        addition.AddPage(2, pages[1]);
        addition.AddPage(3, pages[3]);
        addition.AddPage(1, pages[1]);
        var snapshot = addition.Commit("x.db", pageCount: 3, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow);

        var map = archive.MapOf(snapshot);
        Assert.Equal(3u, map.PageCount);
        Assert.Equal([archive.Sealer.IdOf(pages[1]), archive.Sealer.IdOf(pages[1]), archive.Sealer.IdOf(pages[3])],
            new uint[] { 1, 2, 3 }.Select(map.Id));
        // Four distinct pages came, and each was stored once, though the second one came twice.
        Assert.Equal(4, addition.PagesStored);
    }

    [Fact]
    public void APageThatMovedOrCameBackIsNotStoredAgain()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var pages = Enumerable.Range(0, 4).Select(i => Enumerable.Repeat((byte)(i + 1), 4096).ToArray()).ToArray();
        var first = new SnapshotAddition(archive, parent: null, PageMap.Empty(4096), 4096);
        first.AddPage(1, pages[0]);
        first.AddPage(2, pages[1]);
        var parent = first.Commit("x.db", pageCount: 2, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow);

        // Page 1 takes new bytes, page 2 takes page 1's old bytes, page 3 is new and page 4 repeats page 3.
        var second = new SnapshotAddition(archive, parent, archive.MapOf(parent), 4096);
        second.AddPage(1, pages[2]);
        second.AddPage(2, pages[0]);
        second.AddPage(3, pages[3]);
        second.AddPage(4, pages[3]);
        var snapshot = second.Commit("x.db", pageCount: 4, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow);

        Assert.Equal(2, second.PagesStored);
        var map = archive.MapOf(snapshot);
        Assert.Equal(new[] { pages[2], pages[0], pages[3], pages[3] }.Select(page => archive.Sealer.IdOf(page)), new uint[] { 1, 2, 3, 4 }.Select(map.Id));
    }

    [Fact]
    public void ALargeAddWritesIndexesAsItGoesAndAnAbandonedOneRemovesThemAll()
    {
        // 60,000 distinct pages: more blobs than one index lists before the next is written.
        const uint pageCount = 60_000;
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var addition = new SnapshotAddition(archive, parent: null, PageMap.Empty(512), 512);
        var random = new Random(5);
        var data = new byte[512];
        for (uint page = 1; page <= pageCount; page++)
        {
            random.NextBytes(data);
            addition.AddPage(page, data);
        }
        Assert.NotEmpty(archive.Store.List(PackIndex.Prefix));
        var snapshot = addition.Commit("x.db", pageCount, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow);

        Assert.True(archive.Store.List(PackIndex.Prefix).Count >= 2);
        Assert.All(archive.Store.List(Pack.Prefix), pack => Assert.InRange(pack.Size, 1, Pack.TargetLength));
        var locations = PageLocations.Find(archive, archive.MapOf(snapshot));
        Assert.All(Enumerable.Range(1, (int)pageCount), page => Assert.NotNull(locations.Of((uint)page)));

        var abandoned = new SnapshotAddition(archive, parent: null, PageMap.Empty(1024), 1024);
        int indexesBefore = archive.Store.List(PackIndex.Prefix).Count, packsBefore = archive.Store.List(Pack.Prefix).Count;
        for (uint page = 1; page <= pageCount; page++)
        {
            random.NextBytes(data);
            abandoned.AddPage(page, [.. data, .. data]);
        }
        Assert.True(archive.Store.List(PackIndex.Prefix).Count > indexesBefore);
        abandoned.Abandon();

        Assert.Equal(indexesBefore, archive.Store.List(PackIndex.Prefix).Count);
        Assert.Equal(packsBefore, archive.Store.List(Pack.Prefix).Count);
    }

    [Fact]
    public void AFileNameWithANewlineMakesARecordThatReadsBack()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var addition = new SnapshotAddition(archive, parent: null, PageMap.Empty(4096), 4096);
        addition.AddPage(1, new byte[4096]);

        var snapshot = addition.Commit("odd\nname.db", pageCount: 1, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow);

        Assert.Equal("odd?name.db", snapshot.Database);
        Assert.Equal(snapshot.Id, Assert.Single(archive.Snapshots()).Id);
    }

    [Fact]
    public void AnAbandonedAddThroughAKeyThatMayNotDeleteLeavesItsPacksAndThrowsNothing()
    {
        using var dir = new TempDirectory();
        using (DirectoryObjectStore.Create(dir.File("archive")))
        {
        }
        using var archive = SnapshotArchive.Create(new AppendOnlyStore(DirectoryObjectStore.Open(dir.File("archive"))!), key: null);
        var addition = new SnapshotAddition(archive, parent: null, PageMap.Empty(4096), 4096);
        var random = new Random(3);
        for (uint page = 1; page <= 3000; page++)
        {
            var data = new byte[4096];
            random.NextBytes(data);
            addition.AddPage(page, data);
        }

        addition.Abandon();

        Assert.NotEmpty(Directory.GetFiles(dir.File("archive/packs"), "*", SearchOption.AllDirectories));
        Assert.Empty(archive.Snapshots());
    }

    [Fact]
    public void AnIndexTooLargeForOneObjectIsWrittenAsSeveralAndEveryBlobIsFound()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var packs = Enumerable.Range(0, 5).Select(p => new PackRecord(BlobId.Read(Enumerable.Repeat((byte)p, 32).ToArray()), 1 << 20,
            [.. Enumerable.Range(0, 100).Select(i => new PackEntry(BlobKind.Page, BlobId.Read(Enumerable.Repeat((byte)(p * 100 + i), 31).Append((byte)p)
                .ToArray()), (uint)(8 + i * 100), 100))])).ToList();

        var written = PackIndex.Write(archive.Store, archive.Sealer, packs, mostPerIndex: 2 * (4 + 100 * PackEntry.Size + 44));

        Assert.Equal(3, written.Count);
        var wanted = packs.SelectMany(pack => pack.Entries.Select(entry => entry.Id)).ToHashSet();
        Assert.Equal(500, PackIndex.Locate(archive.Store, archive.Sealer, BlobKind.Page, wanted).Count);
    }

    /// <summary>A directory store through a key that may add but not delete, as an append-only agent serves one.</summary>
    private sealed class AppendOnlyStore(ObjectStore inner) : ObjectStore
    {
        public override string Location => inner.Location;

        public override bool MayDelete => false;

        public override byte[]? Read(string key) => inner.Read(key);

        public override byte[] ReadRange(string key, long offset, int length) => inner.ReadRange(key, offset, length);

        public override bool Create(string key, ReadOnlySpan<byte> data) => inner.Create(key, data);

        public override IReadOnlyList<StoredObject> List(string prefix) => inner.List(prefix);

        public override void Delete(string key) => throw new UnauthorizedAccessException($"refused: cannot delete {key}");

        public override IDisposable Lock(bool exclusive, TimeSpan wait, CancellationToken cancellation) => inner.Lock(exclusive, wait, cancellation);

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }
}
