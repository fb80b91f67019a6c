using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using SqlRsync.Storage;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// Pack objects, "packs/XX/ID": the magic "SQRSPACK", blobs' stored bytes back to back, then a
/// header listing them (sealed with context "pack-header": a count (u32), then one
/// <see cref="PackEntry"/> each), then the header's stored length (u32). The id is the SHA-256 of the
/// whole object, so a pack is checked by hashing it. Blobs are found through index objects, which
/// repeat the headers of many packs (<see cref="PackIndex"/>); the header lets an index be rebuilt.
/// </summary>
internal static class Pack
{
    public const string Prefix = "packs/";
    public static ReadOnlySpan<byte> Magic => "SQRSPACK"u8;
    public static ReadOnlySpan<byte> HeaderContext => "pack-header"u8;

    /// <summary>The most a pack holds when it can hold more than one blob: large enough for few objects, small enough to rewrite when pruned.</summary>
    public const int TargetLength = 8 << 20;

    /// <summary>The most any pack may be (a blob of a map part is at most 3.4 MB).</summary>
    public const int MaxLength = 64 << 20;

    public static string KeyOf(BlobId id)
    {
        var hex = id.ToString();
        return $"{Prefix}{hex[..2]}/{hex}";
    }

    /// <summary>The pack id a key names, or null when it names none.</summary>
    public static BlobId? IdOf(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length != Prefix.Length + 3 + 2 * BlobId.Length
            || key[Prefix.Length + 2] != '/' || BlobId.ParseHex(key[(Prefix.Length + 3)..]) is not { } id || KeyOf(id) != key)
        {
            return null;
        }
        return id;
    }

    /// <summary>The id a pack with these bytes must have.</summary>
    public static BlobId IdOfBytes(ReadOnlySpan<byte> bytes) => BlobId.Read(SHA256.HashData(bytes));

    /// <summary>Reads the entries a pack's own header lists, checking them against the pack.</summary>
    /// <exception cref="InvalidDataException">The pack is damaged.</exception>
    public static List<PackEntry> ReadHeader(ReadOnlySpan<byte> pack, Sealer sealer)
    {
        if (pack.Length < Magic.Length + 4 || !pack[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("it is not a pack (no SQRSPACK magic)");
        }
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(pack[^4..]);
        if (headerLength > pack.Length - Magic.Length - 4)
        {
            throw new InvalidDataException("its header length runs past its start");
        }
        var header = sealer.Open(pack.Slice(pack.Length - 4 - (int)headerLength, (int)headerLength), HeaderContext, MaxLength);
        return ReadEntries(header, pack.Length);
    }

    /// <summary>A count (u32) and that many entries, each inside a pack of <paramref name="packLength"/> bytes, and nothing more.</summary>
    public static List<PackEntry> ReadEntries(ReadOnlySpan<byte> bytes, long packLength)
    {
        if (bytes.Length < 4)
        {
            throw new InvalidDataException("its list of blobs is cut short");
        }
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if ((long)count * PackEntry.Size != bytes.Length - 4)
        {
            throw new InvalidDataException($"its list of blobs says {count} blobs in {bytes.Length - 4} bytes");
        }
        var entries = new List<PackEntry>((int)count);
        for (int i = 0; i < count; i++)
        {
            entries.Add(PackEntry.Read(bytes.Slice(4 + i * PackEntry.Size, PackEntry.Size), packLength));
        }
        return entries;
    }

    public static byte[] WriteEntries(IReadOnlyList<PackEntry> entries)
    {
        var bytes = new byte[4 + entries.Count * PackEntry.Size];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            entries[i].Write(bytes.AsSpan(4 + i * PackEntry.Size));
        }
        return bytes;
    }
}

/// <summary>
/// Gathers blobs' stored bytes into packs of at most <see cref="Pack.TargetLength"/> bytes with their
/// header (one buffer of that size, made at the first blob and used again for each pack), and writes
/// each pack once the next blob would not fit, and the last one at <see cref="Finish"/>.
/// </summary>
internal sealed class PackWriter(ObjectStore store, Sealer sealer)
{
    /// <summary>What a header's seal and the pack's trailing length add to its entries, at most.</summary>
    private const int HeaderOverhead = 64;

    private ArrayBufferWriter<byte>? _pack;
    private readonly List<PackEntry> _entries = [];
    private List<PackRecord> _written = [];
    private readonly List<string> _created = [];

    /// <summary>Bytes of the packs written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>How many blobs the packs written since the last <see cref="TakeWritten"/> hold.</summary>
    public int EntriesWaiting { get; private set; }

    /// <summary>The keys of the packs this writer created (a pack of the same bytes may have been there already, and is not its own).</summary>
    public IReadOnlyList<string> Created => _created;

    public void Add(BlobKind kind, BlobId id, ReadOnlySpan<byte> stored)
    {
        _pack ??= new ArrayBufferWriter<byte>(Pack.TargetLength);
        if (_entries.Count > 0 && _pack.WrittenCount + stored.Length + 4 + (_entries.Count + 1L) * PackEntry.Size + HeaderOverhead > Pack.TargetLength)
        {
            WritePack();
        }
        if (_pack.WrittenCount == 0)
        {
            _pack.Write(Pack.Magic);
        }
        _entries.Add(new PackEntry(kind, id, (uint)_pack.WrittenCount, (uint)stored.Length));
        _pack.Write(stored);
    }

    /// <summary>The packs written, all durable, since this was last asked (each is listed once).</summary>
    public IReadOnlyList<PackRecord> TakeWritten()
    {
        var written = _written;
        _written = [];
        EntriesWaiting = 0;
        return written;
    }

    /// <summary>Writes what is gathered as the last pack; the packs written since the last <see cref="TakeWritten"/>, all durable.</summary>
    public IReadOnlyList<PackRecord> Finish()
    {
        if (_entries.Count > 0)
        {
            WritePack();
        }
        return TakeWritten();
    }

    private void WritePack()
    {
        var pack = _pack!;
        var header = sealer.Seal(Pack.WriteEntries(_entries), Pack.HeaderContext, compress: false);
        pack.Write(header);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        pack.Write(length);
        var bytes = pack.WrittenSpan;
        var record = new PackRecord(Pack.IdOfBytes(bytes), bytes.Length, [.. _entries]);
        // The same bytes under the same id: already there is as good as written.
        if (store.Create(record.Key, bytes))
        {
            _created.Add(record.Key);
        }
        BytesWritten += bytes.Length;
        _written.Add(record);
        EntriesWaiting += _entries.Count;
        pack.ResetWrittenCount();
        _entries.Clear();
    }
}
