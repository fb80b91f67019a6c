using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// Issue 30: encryption at rest makes the bucket's owner unable to read pages. One origin, with text
/// that compresses and random blobs that do not, goes into an encrypted archive and an unencrypted one in
/// the same bucket; every object of both is read raw with a plain S3 client and searched for the origin's
/// pages. Each search finds pages in the unencrypted archive, so it can see them, and nothing in the
/// encrypted one.
/// </summary>
public sealed class S3EncryptionAtRestTests(SwiftServer swift) : IClassFixture<SwiftServer>
{
    private const string Marker = "sqlrsync-at-rest-marker-5d1f0c93";
    private const int PageSize = 4096;

    /// <summary>
    /// A run of a page's bytes taken at every <see cref="WindowStep"/>th offset: any 47 bytes of a page found
    /// in an object hold one of them. Random bytes (ciphertext) hold a given 32 by chance only at odds of 2^-256.
    /// </summary>
    private const int Window = 32;

    private const int WindowStep = 16;

    private static readonly string[] Words =
        ["ledger", "invoice", "customer", "warehouse", "shipment", "pending", "settled", "refund", "account", "balance", "north", "south",
         "quarterly", "review", "approved", "order", "parcel", "tracking", "currency", "euro", "dollar", "branch", "audit", "note"];

    [SkippableFact]
    public async Task TheBucketsOwnerFindsNoPageOfAnEncryptedArchive()
    {
        Skip.If(swift.Unavailable is not null, swift.Unavailable);
        using var dir = new TempDirectory();
        var origin = dir.File("origin.db");
        CreateOrigin(origin);
        var key = dir.File("archive.key");
        SnapshotArchives.MakeKey(key);
        var bucket = SwiftBuckets.New(swift);
        var encrypted = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "encrypted")) { KeyFile = key };
        var control = new ArchiveEndpoint(SwiftBuckets.Storage(swift, bucket, "control"));
        var states = new List<byte[]>();
        for (int snapshot = 0; snapshot < 2; snapshot++)
        {
            if (snapshot > 0)
            {
                ChangeOrigin(origin);
            }
            // A rollback-journal origin with no connection open: its file is the state a snapshot takes.
            states.Add(File.ReadAllBytes(origin));
            await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), encrypted);
            await DatabaseSync.RunAsync(SyncEndpoint.Local(origin), control);
        }
        var pages = NonZeroPages(states);

        var controlObjects = BucketObjects.Read(swift, bucket, "control/");
        var encryptedObjects = BucketObjects.Read(swift, bucket, "encrypted/");

        // The unencrypted archive shows its pages to each search: some as they are, all by their blob ids
        // (SHA-256, in page maps stored uncompressed), and all, decompressed, to a reader of docs/archive.md.
        Assert.Contains("encryption none", Encoding.ASCII.GetString(controlObjects["config"]), StringComparison.Ordinal);
        Assert.True(ObjectsHolding(controlObjects, Encoding.ASCII.GetBytes(Marker)) > 0, "the marker is not in the unencrypted archive");
        Assert.True(PageRunsFound(controlObjects, pages) > 0, "no run of a page is in the unencrypted archive");
        Assert.Equal(pages.Count, PagesNamedBySha256(controlObjects, pages));
        var controlReading = KeylessArchiveReader.Read(controlObjects);
        Assert.True(controlReading.DictionaryOpened, "the unencrypted archive has no dictionary: its text pages were not compressed with one");
        Assert.Equal(0, controlReading.PacksNotOpened);
        Assert.Empty(pages.Keys.Except(controlReading.Pages.Select(Sha256Hex)));
        Assert.True(PagesAmong(KeylessArchiveReader.ScanForCompressed(controlObjects), pages) > 0, "the scan finds no compressed page");

        Assert.Contains("encryption aes-256-gcm", Encoding.ASCII.GetString(encryptedObjects["config"]), StringComparison.Ordinal);
        Assert.Equal(0, ObjectsHolding(encryptedObjects, Encoding.ASCII.GetBytes(Marker)));
        Assert.Equal(0, PageRunsFound(encryptedObjects, pages));
        Assert.Equal(0, PagesNamedBySha256(encryptedObjects, pages));
        var encryptedReading = KeylessArchiveReader.Read(encryptedObjects);
        Assert.False(encryptedReading.DictionaryOpened, "the encrypted archive's dictionary opens without the key");
        Assert.Equal(0, encryptedReading.PacksOpened);
        Assert.True(encryptedReading.PacksNotOpened > 0, "the encrypted archive has no packs");
        Assert.Empty(encryptedReading.Pages);
        Assert.Equal(0, PagesAmong(KeylessArchiveReader.ScanForCompressed(encryptedObjects), pages));

        // With its key the encrypted archive is whole: its newest snapshot restores the origin.
        var restored = dir.File("restored.db");
        await DatabaseSync.RunAsync(encrypted, SyncEndpoint.Local(restored));
        TestDatabase.AssertSynced(origin, restored, PageSize);
    }

    /// <summary>
    /// Notes of words from a small vocabulary, each with the marker (pages that compress, enough for the
    /// archive to train its dictionary on), random blobs in overflow pages (pages that do not compress), and
    /// the marker between random bytes (so an unencrypted archive stores it as it is).
    /// </summary>
    private static void CreateOrigin(string path)
    {
        using var connection = TestDatabase.Connect(path);
        TestDatabase.Execute(connection, $"PRAGMA page_size = {PageSize}");
        TestDatabase.Execute(connection, "PRAGMA journal_mode = delete");
        TestDatabase.Execute(connection, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
        TestDatabase.Execute(connection, "CREATE TABLE blobs(id INTEGER PRIMARY KEY, data BLOB)");
        var random = new Random(30);
        using (var transaction = connection.BeginTransaction())
        {
            for (int row = 0; row < 3000; row++)
            {
                var words = string.Join(' ', Enumerable.Range(0, 30).Select(_ => Words[random.Next(Words.Length)]));
                TestDatabase.Execute(connection, "INSERT INTO notes(body) VALUES ($body)", ("$body", $"{Marker} note {row}: {words}"));
            }
            transaction.Commit();
        }
        TestDatabase.Execute(connection,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO blobs(data) SELECT randomblob(3000) FROM n");
        TestDatabase.Execute(connection, "INSERT INTO blobs(data) VALUES (randomblob(6000) || CAST($marker AS BLOB) || randomblob(6000))",
            ("$marker", Marker));
    }

    private static void ChangeOrigin(string path)
    {
        using var connection = TestDatabase.Connect(path);
        TestDatabase.Execute(connection, "UPDATE notes SET body = body || ' amended' WHERE id % 7 = 0");
        TestDatabase.Execute(connection, "UPDATE blobs SET data = randomblob(3000) WHERE id % 5 = 0");
    }

    /// <summary>
    /// Every page the archive stores of the states that is not all zeros (free pages say nothing), by the hex of its SHA-256.
    /// Page 1 is the first state's: a later one differs from it only in the change counter and SQLite's version bytes,
    /// which the compare hash leaves out (PageHasher), so the archive keeps the page it has.
    /// </summary>
    private static Dictionary<string, byte[]> NonZeroPages(List<byte[]> states)
    {
        var pages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            Assert.Equal(0, state.Length % PageSize);
            for (int offset = state == states[0] ? 0 : PageSize; offset < state.Length; offset += PageSize)
            {
                var page = state.AsSpan(offset, PageSize);
                if (page.ContainsAnyExcept((byte)0))
                {
                    pages.TryAdd(Sha256Hex(page.ToArray()), page.ToArray());
                }
            }
        }
        return pages;
    }

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private static int ObjectsHolding(Dictionary<string, byte[]> objects, byte[] needle) =>
        objects.Values.Count(bytes => bytes.AsSpan().IndexOf(needle) >= 0);

    /// <summary>
    /// How many places in the objects hold a <see cref="Window"/>-byte run of a page that starts at a multiple of
    /// <see cref="WindowStep"/> in it; runs of one repeated byte (zeros of free space) are left out, as they tell nothing.
    /// </summary>
    private static int PageRunsFound(Dictionary<string, byte[]> objects, Dictionary<string, byte[]> pages)
    {
        var runs = new Dictionary<ulong, (byte[] Page, int Offset)>();
        foreach (var page in pages.Values)
        {
            for (int offset = 0; offset + Window <= PageSize; offset += WindowStep)
            {
                var run = page.AsSpan(offset, Window);
                if (run.ContainsAnyExcept(run[0]))
                {
                    runs.TryAdd(XxHash64.HashToUInt64(run), (page, offset));
                }
            }
        }
        int found = 0;
        foreach (var bytes in objects.Values)
        {
            for (int position = 0; position + Window <= bytes.Length; position++)
            {
                var candidate = bytes.AsSpan(position, Window);
                if (runs.TryGetValue(XxHash64.HashToUInt64(candidate), out var run) && candidate.SequenceEqual(run.Page.AsSpan(run.Offset, Window)))
                {
                    found++;
                }
            }
        }
        return found;
    }

    private static int PagesAmong(List<byte[]> decoded, Dictionary<string, byte[]> pages) =>
        decoded.Select(Sha256Hex).Distinct().Count(pages.ContainsKey);

    /// <summary>How many of the pages have their SHA-256 (an unencrypted archive's blob id) somewhere in the objects.</summary>
    private static int PagesNamedBySha256(Dictionary<string, byte[]> objects, Dictionary<string, byte[]> pages) =>
        pages.Keys.Count(hex => ObjectsHolding(objects, Convert.FromHexString(hex)) > 0);
}
