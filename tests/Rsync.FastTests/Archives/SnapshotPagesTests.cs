using SqlRsync.Engine.Archives;
using SqlRsync.Engine.Pages;
using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// A snapshot's pages as a restore reads them: a window at a time, the next one read while the last is
/// visited; every page exactly as added, a damaged one an error naming it, and a visitor's failure its own.
/// </summary>
public class SnapshotPagesTests
{
    private const int PageSize = 4096;
    private const uint Pages = 2600;  // three windows

    [Fact]
    public void EveryPageComesBackInOrderWhetherScannedOrChosen()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var (snapshot, pages) = AddSnapshot(archive);
        var read = new SnapshotPages(archive, snapshot, archive.MapOf(snapshot));

        var scanned = new List<uint>();
        read.ScanPages(1, Pages, (page, data) =>
        {
            scanned.Add(page);
            Assert.True(data.SequenceEqual(pages[page - 1]), $"page {page} differs");
        });
        Assert.Equal(Enumerable.Range(1, (int)Pages).Select(page => (uint)page), scanned);

        var chosen = Enumerable.Range(1, (int)Pages).Where(page => page % 3 == 0).Select(page => (uint)page).ToList();
        var visited = new List<uint>();
        read.ReadPages(chosen, (page, data) =>
        {
            visited.Add(page);
            Assert.True(data.SequenceEqual(pages[page - 1]), $"page {page} differs");
        });
        Assert.Equal(chosen, visited);
    }

    /// <summary>Pages stored as they are carry no checksum that a restore computes: the hash the snapshot recorded finds the damage.</summary>
    [Fact]
    public void ADamagedPageInALaterWindowFailsNamingItAfterTheEarlierPages()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var (snapshot, _) = AddSnapshot(archive);
        var map = archive.MapOf(snapshot);
        var location = PageLocations.Find(archive, map).Of(2500)!.Value;
        var pack = Path.Combine(archive.Location, location.PackKey);
        var bytes = File.ReadAllBytes(pack);
        bytes[location.Entry.Offset + location.Entry.Length / 2] ^= 0x20;
        File.WriteAllBytes(pack, bytes);

        uint last = 0;
        var failure = Assert.Throws<SyncException>(() => new SnapshotPages(archive, snapshot, map).ScanPages(1, Pages, (page, _) => last = page));

        Assert.Equal(SyncFailure.Damaged, failure.Reason);
        Assert.Contains("page 2500 ", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"snapshot {snapshot.Id}", failure.Message, StringComparison.Ordinal);
        Assert.Equal(2048u, last);
    }

    [Fact]
    public void AVisitorsFailureEndsTheScanWithItsOwnError()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var (snapshot, pages) = AddSnapshot(archive);
        var read = new SnapshotPages(archive, snapshot, archive.MapOf(snapshot));

        var failure = Assert.Throws<IOException>(() => read.ScanPages(1, Pages, (page, _) =>
        {
            if (page == 10)
            {
                throw new IOException("the peer went away");
            }
        }));
        Assert.Equal("the peer went away", failure.Message);

        // The read that was under way has ended: the same pages read again, whole.
        Assert.True(read.ReadPage(Pages).SequenceEqual(pages[Pages - 1]));
    }

    /// <summary>
    /// A page is found by its place in an index (the page after the last one found) before a table is
    /// asked: pages whose bytes another page holds, stored once, and blobs a later snapshot no longer
    /// uses must not throw that off.
    /// </summary>
    [Fact]
    public void PagesThatRepeatAnotherPageAndPagesALaterSnapshotChangedComeBackExactly()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var pages = RandomPages(seed: 3);
        for (int page = 100; page < 200; page++)
        {
            pages[page - 1] = pages[50 - 1];  // stored once, found by its place at page 50
        }
        pages[301 - 1] = pages[300 - 1];
        var (first, _) = AddSnapshot(archive, pages);
        var changed = pages.ToArray();
        var random = new Random(11);
        foreach (int page in (int[])[1, 2, 50, 301, 1500, 1501, 2600])
        {
            changed[page - 1] = new byte[PageSize];
            random.NextBytes(changed[page - 1]);
        }
        var (second, _) = AddSnapshot(archive, changed, first, archive.MapOf(first));

        foreach (var (snapshot, expected) in (IEnumerable<(SnapshotRecord, byte[][])>)[(first, pages), (second, changed)])
        {
            new SnapshotPages(archive, snapshot, archive.MapOf(snapshot)).ScanPages(1, Pages, (page, data) =>
                Assert.True(data.SequenceEqual(expected[page - 1]), $"snapshot {snapshot.Id}: page {page} differs"));
        }
    }

    /// <summary>Index objects are read side by side: one that lists a page's blob outside its pack fails the read, naming it.</summary>
    [Fact]
    public void AnIndexThatPlacesABlobOutsideItsPackFailsTheReadNamingIt()
    {
        using var dir = new TempDirectory();
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(dir.File("archive")), key: null);
        var (snapshot, _) = AddSnapshot(archive);
        var map = archive.MapOf(snapshot);
        var outside = new PackRecord(BlobId.Read(new byte[BlobId.Length]), 1 << 20, [new PackEntry(BlobKind.Page, map.Id(7), 1 << 20, 100)]);
        var written = PackIndex.Write(archive.Store, archive.Sealer, [outside]);

        var failure = Assert.Throws<SyncException>(() => new SnapshotPages(archive, snapshot, map).ScanPages(1, Pages, (_, _) => { }));

        Assert.Equal(SyncFailure.Damaged, failure.Reason);
        Assert.Contains(written.Single().Object.Key, failure.Message, StringComparison.Ordinal);
        Assert.Contains("lies outside its pack", failure.Message, StringComparison.Ordinal);
    }

    private static byte[][] RandomPages(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, (int)Pages).Select(_ =>
        {
            var page = new byte[PageSize];
            random.NextBytes(page);
            return page;
        })];
    }

    /// <summary>A snapshot of <see cref="Pages"/> pages that do not compress, so each is stored as it is.</summary>
    private static (SnapshotRecord Snapshot, byte[][] Pages) AddSnapshot(SnapshotArchive archive) =>
        AddSnapshot(archive, RandomPages(seed: 7));

    /// <summary>A snapshot of <paramref name="pages"/> after <paramref name="parent"/>: only the pages that differ from it come, as in an add.</summary>
    private static (SnapshotRecord Snapshot, byte[][] Pages) AddSnapshot(SnapshotArchive archive, byte[][] pages, SnapshotRecord? parent = null,
        PageMap? parentMap = null)
    {
        var addition = new SnapshotAddition(archive, parent, parentMap ?? PageMap.Empty(PageSize), PageSize);
        for (uint page = 1; page <= Pages; page++)
        {
            var leaf = PageHasher.Hash(page, pages[page - 1], LockBytePage.For(PageSize), archive.CompareSeed);
            if (parent is null || !parentMap!.Holds(page) || parentMap.Leaf(page) != leaf)
            {
                addition.AddPage(page, pages[page - 1]);
            }
        }
        return (addition.Commit("x.db", Pages, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow), pages);
    }
}
