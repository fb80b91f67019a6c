using System.Buffers.Binary;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// One blob of a snapshot's page map: a version (u8, 1), an entry count (u32), then per page, in
/// ascending order, its number (u32), its compare hash (the hash-tree leaf under the archive's seed,
/// 16 bytes) and its blob id (32 bytes). A map is a chain of such chunks: a full part with every page,
/// then the changes each later snapshot made (<see cref="PageMap"/>).
/// </summary>
internal static class PageMapChunk
{
    public const int EntrySize = 4 + 16 + BlobId.Length;

    /// <summary>At most this many entries per chunk (3.4 MB), so that one is read into memory at a time.</summary>
    public const int MaxEntries = 65536;

    public const int MaxLength = 5 + MaxEntries * EntrySize;

    public static byte[] Write(ReadOnlySpan<PageMapEntry> entries)
    {
        var bytes = new byte[5 + entries.Length * EntrySize];
        bytes[0] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(1), (uint)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            var at = bytes.AsSpan(5 + i * EntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(at, entries[i].Page);
            BinaryPrimitives.WriteUInt128LittleEndian(at[4..], entries[i].Leaf);
            entries[i].Id.Write(at[20..]);
        }
        return bytes;
    }

    /// <summary>The entries of a chunk, each with a page from 1 to <paramref name="maxPage"/>, ascending.</summary>
    /// <exception cref="InvalidDataException">It is damaged.</exception>
    public static List<PageMapEntry> Read(ReadOnlySpan<byte> bytes, uint maxPage)
    {
        var reader = new ByteReader(bytes);
        if (reader.U8() != 1)
        {
            throw new InvalidDataException("unknown page map version");
        }
        uint count = reader.U32();
        if (count > MaxEntries || (long)count * EntrySize != reader.Remaining)
        {
            throw new InvalidDataException($"a page map part says {count} entries in {reader.Remaining} bytes");
        }
        var entries = new List<PageMapEntry>((int)count);
        uint previous = 0;
        for (uint i = 0; i < count; i++)
        {
            var entry = new PageMapEntry(reader.U32(), reader.U128(), reader.Id());
            if (entry.Page <= previous || entry.Page > maxPage)
            {
                throw new InvalidDataException($"a page map part lists page {entry.Page} after page {previous} (of at most {maxPage})");
            }
            previous = entry.Page;
            entries.Add(entry);
        }
        return entries;
    }
}

/// <summary>One page of a snapshot: its number, its compare hash, its blob.</summary>
internal readonly record struct PageMapEntry(uint Page, UInt128 Leaf, BlobId Id);
