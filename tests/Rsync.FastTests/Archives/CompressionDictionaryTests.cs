using System.Text;
using SqlRsync.Engine.Archives;
using SqlRsync.Storage;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// The archive's zstd dictionary: trained once on pages that compress and written before any pack
/// that needs it, used to read them back (also by a later opening of the archive, also encrypted),
/// never made from pages that do not compress, removed by an add that is abandoned; a damaged or
/// planted one fails only the pages that need it, names itself to --verify, and no add is kept from going on.
/// </summary>
public sealed class CompressionDictionaryTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PagesOfTextTrainOneDictionaryAndReadBackThroughIt(bool encrypted)
    {
        var keyFile = _dir.File("key");
        if (encrypted)
        {
            ArchiveKey.Make(keyFile);
        }
        var key = encrypted ? ArchiveKey.Load(keyFile) : null;
        var pages = Enumerable.Range(0, 600).Select(TextPage).ToArray();
        SnapshotRecord first, second;
        using (var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(_dir.File("archive")), key))
        {
            first = Add(archive, null, pages);
            Assert.NotNull(archive.Sealer.Dictionary);
            pages[7] = TextPage(1000);
            second = Add(archive, first, pages);
        }
        var dictionary = File.ReadAllBytes(_dir.File("archive/dictionary"));

        using var reopened = SnapshotArchive.Open(DirectoryObjectStore.Open(_dir.File("archive"))!, key);
        Assert.NotNull(reopened.Sealer.Dictionary);
        Assert.Equal(dictionary, File.ReadAllBytes(_dir.File("archive/dictionary")));
        var read = new SnapshotPages(reopened, second, reopened.MapOf(second));
        // Told of a few pages first (as a restore into a replica is), it still finds every other one.
        read.WillRead([8, 100]);
        Assert.Equal(pages[99], read.ReadPage(100).ToArray());
        for (uint page = 1; page <= pages.Length; page++)
        {
            Assert.Equal(pages[page - 1], read.ReadPage(page).ToArray());
        }
        // A scan opens long runs of pages on every core (unencrypted), each into its own place.
        int scanned = 0;
        read.ScanPages(1, (uint)pages.Length, (page, data) =>
        {
            Assert.Equal(pages[page - 1], data.ToArray());
            scanned++;
        });
        Assert.Equal(pages.Length, scanned);
        // With the dictionary each page takes well under what Brotli alone makes of it.
        using var brotliOnly = Sealer.Plain();
        long withDictionary = pages.Sum(page => (long)reopened.Sealer.Seal(page, "p"u8).Length);
        long withBrotli = pages.Sum(page => (long)brotliOnly.Seal(page, "p"u8).Length);
        Assert.True(withDictionary < 0.9 * withBrotli, $"{withDictionary} bytes with the dictionary, {withBrotli} by Brotli alone");
        if (!encrypted)
        {
            Assert.Contains("the quick", Encoding.ASCII.GetString(dictionary), StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("the quick", Encoding.ASCII.GetString(dictionary), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PagesThatDoNotCompressTrainNone()
    {
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(_dir.File("archive")), key: null);
        var random = new Random(4);
        var pages = Enumerable.Range(0, 400).Select(_ =>
        {
            var page = new byte[PageSize];
            random.NextBytes(page);
            return page;
        }).ToArray();

        Add(archive, null, pages);

        Assert.Null(archive.Sealer.Dictionary);
        Assert.False(File.Exists(_dir.File("archive/dictionary")));
    }

    [Fact]
    public void AnAbandonedAddRemovesTheDictionaryItMade()
    {
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(_dir.File("archive")), key: null);
        var addition = new SnapshotAddition(archive, parent: null, PageMap.Empty(PageSize), PageSize);
        for (uint page = 1; page <= 600; page++)
        {
            addition.AddPage(page, TextPage((int)page));
        }
        Assert.True(File.Exists(_dir.File("archive/dictionary")));

        addition.Abandon();

        Assert.Equal(["config"], Directory.GetFiles(_dir.File("archive"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    [Fact]
    public void ADamagedDictionaryFailsOnlyThePagesThatNeedItAndAddsGoOnWithoutOne()
    {
        SnapshotRecord first;
        var pages = Enumerable.Range(0, 600).Select(TextPage).ToArray();
        using (var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(_dir.File("archive")), key: null))
        {
            first = Add(archive, null, pages);
        }
        var path = _dir.File("archive/dictionary");
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(path, bytes);

        using var reopened = SnapshotArchive.Open(DirectoryObjectStore.Open(_dir.File("archive"))!, key: null);
        var failure = Assert.Throws<SyncException>(() => new SnapshotPages(reopened, first, reopened.MapOf(first)).ReadPage(1).ToArray());
        Assert.Equal(SyncFailure.Damaged, failure.Reason);
        Assert.Contains("page 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("its dictionary (dictionary) is damaged", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
        var verified = ArchiveVerification.Run(reopened, null, CancellationToken.None);
        Assert.False(verified.IsIntact);
        Assert.Contains(verified.Problems, problem => problem.Contains("its dictionary (dictionary) is damaged", StringComparison.Ordinal));

        // A later add stores its pages without the dictionary, and they read back.
        var changed = pages.ToArray();
        changed[3] = TextPage(2000);
        var second = Add(reopened, first, changed);
        Assert.Equal(changed[3], new SnapshotPages(reopened, second, reopened.MapOf(second)).ReadPage(4).ToArray());
    }

    [Fact]
    public void ADictionaryPlantedBeforeTheFirstOneKeepsNoSnapshotFromBeingAddedOrRestored()
    {
        // An append-only key may create objects an archive holds, the dictionary among them: garbage planted there
        // must not lock the owner out of the archive.
        using var archive = SnapshotArchive.Create(DirectoryObjectStore.Create(_dir.File("archive")), key: null);
        Assert.True(archive.Store.Create(CompressionDictionary.Key, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]));
        using var reopened = SnapshotArchive.Open(DirectoryObjectStore.Open(_dir.File("archive"))!, key: null);
        var pages = Enumerable.Range(0, 200).Select(TextPage).ToArray();

        var snapshot = Add(reopened, null, pages);

        var read = new SnapshotPages(reopened, snapshot, reopened.MapOf(snapshot));
        Assert.All(Enumerable.Range(1, pages.Length), page => Assert.Equal(pages[page - 1], read.ReadPage((uint)page).ToArray()));
    }

    private static SnapshotRecord Add(SnapshotArchive archive, SnapshotRecord? parent, byte[][] pages)
    {
        var addition = new SnapshotAddition(archive, parent, parent is null ? PageMap.Empty(PageSize) : archive.MapOf(parent), PageSize);
        for (uint page = 1; page <= pages.Length; page++)
        {
            addition.AddPage(page, pages[page - 1]);
        }
        return addition.Commit("x.db", (uint)pages.Length, isWal: false, (UnixFileMode)0x180, DateTimeOffset.UtcNow);
    }

    /// <summary>A page of rows of text that vary (as table pages do), from a few hundred words.</summary>
    private static byte[] TextPage(int seed)
    {
        var random = new Random(seed);
        string[] words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "order", "customer", "shipped", "pending", "returned"];
        var text = new StringBuilder();
        while (text.Length < PageSize)
        {
            text.Append(CultureInfoInvariant($"{random.Next(100000)}|order {random.Next(1000000)}|status {words[random.Next(words.Length)]}|note: "));
            text.Append("the quick ").Append(words[random.Next(words.Length)]).Append(' ').Append(words[random.Next(words.Length)]).Append('\n');
        }
        return Encoding.ASCII.GetBytes(text.ToString(0, PageSize));
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);
}
