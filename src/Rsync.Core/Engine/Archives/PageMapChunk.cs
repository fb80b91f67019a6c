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

    /// <summary>Chunks are written with at most this many entries (0.85 MB, the buffer an add holds while it writes them).</summary>
    public const int WrittenEntries = 16384;

    public const int MaxLength = 5 + MaxEntries * EntrySize;

    /// <summary>
    /// Each entry of a chunk, checked to have a page from 1 to <paramref name="maxPage"/>, ascending
    /// (the chunk is checked whole first: nothing is visited of a damaged one).
    /// </summary>
    /// <exception cref="InvalidDataException">It is damaged.</exception>
    public static void Visit(ReadOnlySpan<byte> bytes, uint maxPage, Action<PageMapEntry> visit)
    {
        for (int pass = 0; pass < 2; pass++)
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
            uint previous = 0;
            for (uint i = 0; i < count; i++)
            {
                uint page = reader.U32();
                if (page <= previous || page > maxPage)
                {
                    throw new InvalidDataException($"a page map part lists page {page} after page {previous} (of at most {maxPage})");
                }
                previous = page;
                if (pass == 1)
                {
                    visit(new PageMapEntry(page, reader.U128(), reader.Id()));
                }
                else
                {
                    reader.Bytes(EntrySize - 4);
                }
            }
        }
    }

    /// <summary>A chunk being written, entry by entry, into one buffer that is used again after each chunk.</summary>
    public sealed class Builder
    {
        private readonly byte[] _bytes = new byte[5 + WrittenEntries * EntrySize];

        public Builder() => Clear();

        public int Count { get; private set; }

        public bool IsFull => Count == WrittenEntries;

        /// <summary>The chunk's bytes so far, valid until the next <see cref="Add"/> or <see cref="Clear"/>.</summary>
        public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, 5 + Count * EntrySize);

        public void Add(PageMapEntry entry)
        {
            var at = _bytes.AsSpan(5 + Count * EntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(at, entry.Page);
            BinaryPrimitives.WriteUInt128LittleEndian(at[4..], entry.Leaf);
            entry.Id.Write(at[20..]);
            SetCount(Count + 1);
        }

        public void Clear() => SetCount(0);

        private void SetCount(int count)
        {
            Count = count;
            _bytes[0] = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan(1), (uint)count);
        }
    }
}

/// <summary>One page of a snapshot: its number, its compare hash, its blob.</summary>
internal readonly record struct PageMapEntry(uint Page, UInt128 Leaf, BlobId Id);
