using System.Text;
using SqlRsync.Engine.Archives;

namespace SqlRsync.Tests.Archives;

/// <summary>
/// The archive's byte formats (docs/archive.md) read back what they write, and refuse what they did not
/// write: damaged, cut, swapped or oversized bytes are an InvalidDataException, never wrong data.
/// </summary>
public class ArchiveFormatTests
{
    private static readonly byte[] ArchiveId = Enumerable.Range(1, 16).Select(value => (byte)value).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SealedBytesOpenToWhatWasSealed(bool encrypted)
    {
        using var sealer = NewSealer(encrypted);
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("rows of text compress well; ", 200)));
        var random = new byte[4096];
        new Random(7).NextBytes(random);

        foreach (var plain in new[] { text, random, [], [42] })
        {
            var stored = sealer.Seal(plain, "ctx"u8);
            Assert.Equal(plain, sealer.Open(stored, "ctx"u8, plain.Length));
        }
        Assert.True(sealer.Seal(text, "ctx"u8).Length < text.Length / 4, "text is stored compressed");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SealedBytesOpenOnlyWithTheirKeyAndContextAndUnchanged(bool encrypted)
    {
        using var sealer = NewSealer(encrypted);
        using var otherKey = NewSealer(encrypted: true);
        var plain = Encoding.ASCII.GetBytes("a page of secrets");
        var stored = sealer.Seal(plain, "page 1"u8);

        Assert.Throws<InvalidDataException>(() => sealer.Open(stored, "page 2"u8, 100));
        if (encrypted)
        {
            Assert.Throws<InvalidDataException>(() => otherKey.Open(stored, "page 1"u8, 100));
            Assert.DoesNotContain("secrets", Encoding.ASCII.GetString(stored), StringComparison.Ordinal);
        }
        // Every bit of the stored bytes counts: unencrypted through the checksum, encrypted through the tag.
        for (int at = 0; at < stored.Length; at++)
        {
            var damaged = (byte[])stored.Clone();
            damaged[at] ^= 0x01;
            Assert.Throws<InvalidDataException>(() => sealer.Open(damaged, "page 1"u8, 100));
        }
        Assert.Throws<InvalidDataException>(() => sealer.Open(stored.AsSpan(0, stored.Length - 1), "page 1"u8, 100));
        Assert.Throws<InvalidDataException>(() => sealer.Open(stored, "page 1"u8, plain.Length - 1));
    }

    [Fact]
    public void PlainStoredBytesAreCheckedForCodecAndLength()
    {
        using var sealer = Sealer.Plain();
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefgh", 100)));
        var stored = sealer.Seal(text, default);

        Assert.Throws<InvalidDataException>(() => sealer.Open([], default, 10));
        Assert.Throws<InvalidDataException>(() => sealer.Open([9, 1, 2], default, 10));
        Assert.Throws<InvalidDataException>(() => sealer.Open([9, .. new byte[16]], default, 10));
        // A compressed body that claims more than the caller allows is refused before it is inflated.
        Assert.Throws<InvalidDataException>(() => sealer.Open(stored, default, text.Length - 1));
        var cut = stored[..^3];
        Assert.Throws<InvalidDataException>(() => sealer.Open(cut, default, text.Length));
    }

    [Fact]
    public void BlobIdsAreSha256OrAKeyedHmac()
    {
        using var plain = Sealer.Plain();
        using var encrypted = NewSealer(encrypted: true);
        var data = Encoding.ASCII.GetBytes("abc");

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", plain.IdOf(data).ToString());
        Assert.NotEqual(plain.IdOf(data), encrypted.IdOf(data));
        Assert.Equal(encrypted.IdOf(data), encrypted.IdOf(data));
    }

    [Fact]
    public void ASnapshotRecordReadsBackAndItsNameMustMatch()
    {
        var time = DateTimeOffset.Parse("2026-12-07T03:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);
        var record = new SnapshotRecord("0123456789abcdef", time, "orders.db", 4096, 100000, true, (UnixFileMode)0x1A4, "fedcba9876543210", 1,
            [BlobId.Read(new byte[32]), BlobId.Read(Enumerable.Repeat((byte)0xAB, 32).ToArray())], 2605, 10_970_112);

        Assert.Equal("snapshots/20261207T030000123Z-0123456789abcdef", record.Key);
        var back = SnapshotRecord.Parse(record.Key, record.ToPlainBytes());
        Assert.Equal(record with { Map = [] }, back with { Map = [] });
        Assert.Equal(record.Map, back.Map);

        Assert.Throws<InvalidDataException>(() => SnapshotRecord.Parse("snapshots/20261207T030000124Z-0123456789abcdef", record.ToPlainBytes()));
        Assert.Throws<InvalidDataException>(() => SnapshotRecord.Parse("snapshots/x", record.ToPlainBytes()));
        var text = Encoding.UTF8.GetString(record.ToPlainBytes());
        foreach (var (from, to) in new[]
        {
            ("page-size 4096", "page-size 4097"), ("page-count 100000", "page-count -1"), ("wal 1", "wal 2"), ("full 1", "full 3"),
            ("database orders.db", "database ../x.db"), ("parent fedcba9876543210", "parent xyz"), ("file-mode 644", "file-mode 9"),
            ("map 0000", "map 000"), ("bytes-added 10970112", "bytes-added 1e9"), ("sqlrsync-snapshot 1", "sqlrsync-snapshot 2"),
            ("file-mode 644", "file-mode 77777777777"), ("file-mode 644", "file-mode -1"), ("database orders.db", "database a\u0007b.db"),
            // Two map parts hold at most 131,072 pages: a larger count is damage, refused before a map of that size is made.
            ("page-count 100000", "page-count 4000000000"),
        })
        {
            Assert.Contains(from, text, StringComparison.Ordinal);
            Assert.Throws<InvalidDataException>(() => SnapshotRecord.Parse(record.Key, Encoding.UTF8.GetBytes(text.Replace(from, to,
                StringComparison.Ordinal))));
        }
    }

    [Fact]
    public void APageMapChunkReadsBackAndRefusesDisorder()
    {
        PageMapEntry[] entries = [new(1, 11, BlobId.Read(new byte[32])), new(2, 22, BlobId.Read(new byte[32])), new(9, UInt128.MaxValue,
            BlobId.Read(Enumerable.Repeat((byte)7, 32).ToArray()))];
        var bytes = Chunk(entries);

        Assert.Equal(entries, Entries(bytes, maxPage: 9));
        Assert.Throws<InvalidDataException>(() => Entries(bytes, maxPage: 8));
        Assert.Throws<InvalidDataException>(() => Entries(Chunk([entries[1], entries[0]]), 9));
        Assert.Throws<InvalidDataException>(() => Entries(Chunk([entries[0], entries[0]]), 9));
        Assert.Throws<InvalidDataException>(() => Entries(bytes[..^1], 9));
        Assert.Throws<InvalidDataException>(() => Entries(Chunk([new(0, 1, default)]), 9));
        // A damaged chunk is refused before any of its entries is taken.
        var visited = new List<PageMapEntry>();
        Assert.Throws<InvalidDataException>(() => PageMapChunk.Visit(Chunk([entries[0], entries[2], entries[1]]), 9, visited.Add));
        Assert.Empty(visited);
    }

    private static byte[] Chunk(PageMapEntry[] entries)
    {
        var builder = new PageMapChunk.Builder();
        foreach (var entry in entries)
        {
            builder.Add(entry);
        }
        return builder.Bytes.ToArray();
    }

    private static List<PageMapEntry> Entries(byte[] chunk, uint maxPage)
    {
        var entries = new List<PageMapEntry>();
        PageMapChunk.Visit(chunk, maxPage, entries.Add);
        return entries;
    }

    [Fact]
    public void AConfigReadsBackAndAnythingElseIsNone()
    {
        var plain = ArchiveConfig.New(key: null);
        var parsed = ArchiveConfig.Parse(plain.ToBytes())!;
        Assert.Equal(plain.Id, parsed.Id);
        Assert.Equal(plain.CompareSeed, parsed.CompareSeed);
        Assert.False(parsed.Encrypted);

        Assert.Null(ArchiveConfig.Parse("sqlrsync-archive 2\n"u8));
        Assert.Null(ArchiveConfig.Parse(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(plain.ToBytes()).Replace("none", "rot13",
            StringComparison.Ordinal))));
        Assert.Null(ArchiveConfig.Parse(new byte[10_000]));
    }

    [Theory]
    [InlineData("config", true)]
    [InlineData("packs/ab/0123", true)]
    [InlineData("snapshots/20261207T030000123Z-0123456789abcdef", true)]
    [InlineData("../etc/passwd", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("packs//x", false)]
    [InlineData("packs/.hidden", false)]
    [InlineData("packs/a b", false)]
    [InlineData("", false)]
    [InlineData("a/", false)]
    public void ObjectKeysCannotLeaveTheStore(string key, bool valid) => Assert.Equal(valid, SqlRsync.Storage.ObjectKey.IsValid(key));

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("latest", null, null)]
    [InlineData("9f3a", "9f3a", null)]
    [InlineData("0123", "0123", null)]
    // A whole id of decimal digits only (1 id in about 1,800) is still an id.
    [InlineData("0403591701639268", "0403591701639268", null)]
    [InlineData("2026-12-01 03:00", null, "2026-12-01T03:00:00Z")]
    [InlineData("2026-12-01T03:00:00+01:00", null, "2026-12-01T02:00:00Z")]
    // 8 to 15 decimal digits: a time when they read as one, else a prefix of an id.
    [InlineData("04035917", "04035917", null)]
    public void AtNamesTheNewestAnIdOrATime(string? at, string? idPrefix, string? time)
    {
        var selector = SnapshotSelector.Parse(at);
        Assert.NotNull(selector);
        Assert.Equal(idPrefix, selector.Value.IdPrefix);
        Assert.Equal(time is null ? null : DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture), selector.Value.Time);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("yesterday")]
    [InlineData("0123456789abcdef0")]
    [InlineData("9F3A")]
    public void AtThatNamesNothingIsRefused(string at) => Assert.Null(SnapshotSelector.Parse(at));

    private static Sealer NewSealer(bool encrypted)
    {
        if (!encrypted)
        {
            return Sealer.Plain();
        }
        using var dir = new Support.TempDirectory();
        var keyFile = dir.File("key");
        ArchiveKey.Make(keyFile);
        return Sealer.Encrypted(ArchiveKey.Load(keyFile), ArchiveId);
    }
}
