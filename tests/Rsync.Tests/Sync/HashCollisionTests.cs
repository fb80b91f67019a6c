using System.Buffers.Binary;
using Microsoft.Data.Sqlite;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// Someone who may write chosen bytes into the origin (an upload kept as a blob) changes a page so that
/// it hashes, under XXH3-128 without a seed, exactly like the replica's old page: a sync that hashed
/// leaves without a secret would skip it and leave the replica silently different. Each sync hashes
/// with a random seed of its own, so the crafted page is sent.
/// </summary>
public class HashCollisionTests
{
    // The construction (from the XXH3 specification): for inputs over 240 bytes, each 64-byte stripe
    // adds, for each 8-byte lane i, the lane's value to accumulator i^1 and the product of the two
    // 32-bit halves of (lane XOR secret word) to accumulator i, and the accumulators are scrambled only
    // after each 1 KiB block. A lane whose low half equals the secret word's makes that product 0
    // whatever its high half, so raising the high half of one such lane by 1 and lowering another's in
    // the same block by 1 leaves every accumulator, and so the hash, as it was. Lane 0 of the first two
    // stripes of a block meets secret words 0 and 1, whose low halves in XXH3's default secret are
    // these. python3-xxhash, not this test, confirms that the two pages collide.
    private const uint SecretWord0Low = 0x396CFEB8;
    private const uint SecretWord1Low = 0x2C81017C;
    private const int PageSize = 4096;
    private const int Block = 2048;  // the third 1 KiB block of the page, inside the blob's cell

    [Fact]
    public void AnUploadCraftedToCollideWithoutASeedIsStillSent()
    {
        using var dir = new TempDirectory();
        var origin = dir.File("uploads.db");
        var replica = dir.File("replica.db");
        using (var connection = TestDatabase.Connect(origin))
        {
            TestDatabase.Execute(connection, $"PRAGMA page_size = {PageSize}");
            TestDatabase.Execute(connection, "PRAGMA journal_mode = delete");
            TestDatabase.Execute(connection, "CREATE TABLE uploads(id INTEGER PRIMARY KEY, data BLOB)");
            TestDatabase.Execute(connection, "INSERT INTO uploads VALUES (1, randomblob(3000))");
        }
        var (page, blobOffset) = WhereTheBlobMeetsTheBlock(origin);

        WriteUpload(origin, blobOffset, high0: 0x11111111, high1: 0x22222222);
        Syncs.Local(origin, replica);
        var before = PageOf(origin, page);
        WriteUpload(origin, blobOffset, high0: 0x11111112, high1: 0x22222221);
        var after = PageOf(origin, page);

        Assert.NotEqual(before, after);
        var digests = PythonXxhash.Xxh3Digests([(before, 0), (after, 0), (before, 0x5EED), (after, 0x5EED)]);
        Assert.True(digests[0] == digests[1], "the crafted pages must collide without a seed, or this test proves nothing");
        Assert.NotEqual(digests[2], digests[3]);

        var result = Syncs.Local(origin, replica);

        Assert.Equal(1u, result.PagesSent);
        TestDatabase.AssertSynced(origin, replica, PageSize);
    }

    /// <summary>The page holding the blob, and the blob offset that lands on the start of <see cref="Block"/> in it.</summary>
    private static (int Page, int BlobOffset) WhereTheBlobMeetsTheBlock(string path)
    {
        byte[] blob;
        using (var connection = TestDatabase.Connect(path))
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT data FROM uploads WHERE id = 1";
            blob = (byte[])command.ExecuteScalar()!;
        }
        var file = File.ReadAllBytes(path);
        int at = file.AsSpan().IndexOf(blob.AsSpan(0, 64));
        Assert.True(at > 0, "the blob is not in the file");
        int page = at / PageSize, start = at % PageSize;
        Assert.True(start <= Block && Block + 72 <= start + blob.Length, $"the blob spans bytes {start} to {start + blob.Length} of its page");
        return (page, Block - start);
    }

    /// <summary>Writes lane 0 of the block's first two stripes in place, as an application updating its upload would.</summary>
    private static void WriteUpload(string path, int blobOffset, uint high0, uint high1)
    {
        using var connection = TestDatabase.Connect(path);
        using var blob = new SqliteBlob(connection, "uploads", "data", rowid: 1);
        blob.Seek(blobOffset, SeekOrigin.Begin);
        blob.Write(Lane(SecretWord0Low, high0));
        blob.Seek(blobOffset + 64, SeekOrigin.Begin);
        blob.Write(Lane(SecretWord1Low, high1));
    }

    private static byte[] Lane(uint low, uint high)
    {
        var lane = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(lane, low);
        BinaryPrimitives.WriteUInt32LittleEndian(lane.AsSpan(4), high);
        return lane;
    }

    private static byte[] PageOf(string path, int page) => File.ReadAllBytes(path).AsSpan(page * PageSize, PageSize).ToArray();
}
