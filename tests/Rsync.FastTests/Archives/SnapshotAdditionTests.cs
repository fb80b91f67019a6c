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
}
