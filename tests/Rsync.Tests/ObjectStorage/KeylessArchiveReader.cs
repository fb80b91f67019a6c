using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using ZstdSharp;

namespace SqlRsync.Tests.ObjectStores;

/// <summary>
/// What someone who holds an archive's objects but not its key can read of its pages, written from
/// docs/archive.md ("Layout") alone and using none of sqlrsync's code: each pack's header and blobs are
/// opened as unencrypted stored bytes (codec, body, XXH3-128 checksum of the context and those bytes) and
/// decompressed (Brotli, or zstd with the archive's dictionary). Bytes that do not carry their checksum
/// (sealed with a key) are not opened, only counted.
/// </summary>
internal static class KeylessArchiveReader
{
    private const int ChecksumLength = 16;
    private const int EntryLength = 41;
    private const byte PageKind = 1;
    private static readonly byte[] PackMagic = "SQRSPACK"u8.ToArray();

    /// <summary>The packs whose header opened and those whose did not, whether the dictionary opened, and the page blobs read.</summary>
    public sealed record Reading(int PacksOpened, int PacksNotOpened, bool DictionaryOpened, IReadOnlyList<byte[]> Pages);

    /// <param name="objects">The archive's objects by key (as under its prefix or directory).</param>
    public static Reading Read(IReadOnlyDictionary<string, byte[]> objects)
    {
        byte[]? dictionary = objects.TryGetValue("dictionary", out var stored) ? Open(stored, "dictionary"u8, null) : null;
        int opened = 0, notOpened = 0;
        var pages = new List<byte[]>();
        foreach (var (key, pack) in objects.Where(entry => entry.Key.StartsWith("packs/", StringComparison.Ordinal)))
        {
            Assert.True(pack.AsSpan().StartsWith(PackMagic), $"{key} does not start with SQRSPACK");
            int headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(pack.AsSpan(pack.Length - 4));
            var header = Open(pack.AsSpan(pack.Length - 4 - headerLength, headerLength), "pack-header"u8, dictionary);
            if (header is null)
            {
                notOpened++;
                continue;
            }
            opened++;
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
            for (int i = 0; i < count; i++)
            {
                var entry = header.AsSpan(4 + i * EntryLength, EntryLength);
                int offset = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[33..]);
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[37..]);
                // A blob's context is its kind and id: the entry's first 33 bytes.
                var blob = Open(pack.AsSpan(offset, length), entry[..33], dictionary);
                Assert.True(blob is not null, $"blob {i} of {key} does not open though its pack's header did");
                if (entry[0] == PageKind)
                {
                    pages.Add(blob);
                }
            }
        }
        return new Reading(opened, notOpened, dictionary is not null, pages);
    }

    /// <summary>
    /// What decompresses at any offset of any object, whatever frames it: every place that reads as codec 1 or 2 and a
    /// plain length of at most <see cref="MaxScannedLength"/>, decompressed with Brotli or with zstd and the archive's
    /// dictionary. This finds pages that were compressed but not encrypted, which no search for their plain bytes would.
    /// </summary>
    public static List<byte[]> ScanForCompressed(IReadOnlyDictionary<string, byte[]> objects)
    {
        var dictionaries = objects.TryGetValue("dictionary", out var stored) ? DictionariesIn(stored) : [];
        var found = new List<byte[]>();
        foreach (var bytes in objects.Values)
        {
            for (int offset = 0; offset + 5 < bytes.Length; offset++)
            {
                var codec = bytes[offset];
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 1));
                if (codec is not (1 or 2) || length is 0 or > MaxScannedLength)
                {
                    continue;
                }
                var plain = codec == 1 ? TryBrotli(bytes.AsSpan(offset + 5), (int)length) : TryZstd(bytes, offset + 5, (int)length, dictionaries);
                if (plain is not null)
                {
                    found.Add(plain);
                }
            }
        }
        return found;
    }

    /// <summary>Longer than any page (64 KiB at most); random bytes read as a length this small once in 65,536 tries.</summary>
    private const uint MaxScannedLength = 1 << 16;

    /// <summary>
    /// The dictionary as unencrypted stored bytes hold it, else whatever in the object decompresses, else its bytes from a zstd
    /// dictionary's magic number to the last 16 (a tag or checksum ends every stored object).
    /// </summary>
    private static List<byte[]> DictionariesIn(byte[] stored)
    {
        var dictionaries = new List<byte[]>();
        if (Open(stored, "dictionary"u8, null) is { } opened)
        {
            dictionaries.Add(opened);
        }
        dictionaries.AddRange(ScanForCompressed(new Dictionary<string, byte[]> { ["stored"] = stored }));
        int magic = stored.AsSpan().IndexOf(ZstdDictionaryMagic);
        if (magic >= 0 && magic < stored.Length - ChecksumLength)
        {
            dictionaries.Add(stored[magic..^ChecksumLength]);
        }
        return dictionaries;
    }

    private static readonly byte[] ZstdDictionaryMagic = [0x37, 0xA4, 0x30, 0xEC];

    private static byte[]? TryBrotli(ReadOnlySpan<byte> compressed, int length)
    {
        using var decoder = new BrotliDecoder();
        var plain = new byte[length];
        var status = decoder.Decompress(compressed, plain, out _, out int written);
        return status == System.Buffers.OperationStatus.Done && written == length ? plain : null;
    }

    /// <summary>The <paramref name="length"/> bytes a zstd frame at <paramref name="start"/> holds with one of the dictionaries; null if none.</summary>
    private static byte[]? TryZstd(byte[] bytes, int start, int length, List<byte[]> dictionaries)
    {
        foreach (var dictionary in dictionaries)
        {
            try
            {
                using var stream = new DecompressionStream(new MemoryStream(bytes, start, bytes.Length - start));
                stream.LoadDictionary(dictionary);
                var plain = new byte[length];
                stream.ReadExactly(plain);
                return plain;
            }
            catch (Exception e) when (e is ZstdException or EndOfStreamException or IOException)
            {
                // Not a frame, or not one of this dictionary's: the next.
            }
        }
        return null;
    }

    /// <summary>The plain bytes of unencrypted stored bytes; null when their checksum does not match (encrypted, or not ours).</summary>
    private static byte[]? Open(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> context, byte[]? dictionary)
    {
        if (stored.Length < 1 + ChecksumLength)
        {
            return null;
        }
        var encoded = stored[..^ChecksumLength];
        var checksum = new XxHash128();
        Span<byte> contextLength = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(contextLength, (uint)context.Length);
        checksum.Append(contextLength);
        checksum.Append(context);
        checksum.Append(encoded);
        if (!checksum.GetCurrentHash().AsSpan().SequenceEqual(stored[^ChecksumLength..]))
        {
            return null;
        }
        return encoded[0] switch
        {
            0 => encoded[1..].ToArray(),
            1 => Brotli(encoded[5..], PlainLength(encoded)),
            2 => Zstd(encoded[5..], PlainLength(encoded), dictionary ?? throw new InvalidDataException("codec 2 without a dictionary")),
            var codec => throw new InvalidDataException($"codec {codec} is none of docs/archive.md's"),
        };
    }

    private static int PlainLength(ReadOnlySpan<byte> encoded) => (int)BinaryPrimitives.ReadUInt32LittleEndian(encoded[1..]);

    private static byte[] Brotli(ReadOnlySpan<byte> compressed, int length)
    {
        var plain = new byte[length];
        Assert.True(BrotliDecoder.TryDecompress(compressed, plain, out int written) && written == length, "a Brotli body does not decompress");
        return plain;
    }

    private static byte[] Zstd(ReadOnlySpan<byte> compressed, int length, byte[] dictionary)
    {
        using var decompressor = new Decompressor();
        decompressor.LoadDictionary(dictionary);
        var plain = new byte[length];
        Assert.Equal(length, decompressor.Unwrap(compressed, plain));
        return plain;
    }
}
