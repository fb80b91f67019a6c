using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// The delta round trip, one batch of pages at a time: the origin names pages that differ and that
/// the replica has (BlockRequest: u32 page numbers, ascending; BlockRequestEnd: seed u64), and the
/// replica answers with <see cref="ProtocolLimits.BlocksPerPage"/> 8-byte hashes per page, in the
/// order asked (BlockHashes frames, no end marker: the origin knows how many it asked for).
/// </summary>
internal static class BlockMessages
{
    public const int HashLength = 8;

    public static void WriteRequest(FrameWriter writer, ReadOnlySpan<uint> pages, ulong seed)
    {
        U32ListFrames.Write(writer, MessageType.BlockRequest, [], pages);
        Span<byte> end = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(end, seed);
        writer.Write(MessageType.BlockRequestEnd, end);
    }

    /// <summary>
    /// Reads BlockRequest frames up to BlockRequestEnd: at most <see cref="ProtocolLimits.PagesPerBlockRequest"/>
    /// page numbers, ascending, each above <paramref name="after"/> and at most <paramref name="lastPage"/>.
    /// </summary>
    public static (List<uint> Pages, ulong Seed) ReadRequest(FrameReader reader, uint after, uint lastPage)
    {
        var pages = new List<uint>();
        while (true)
        {
            var (type, payload) = reader.Read();
            var span = payload.Span;
            if (type == MessageType.BlockRequestEnd)
            {
                var end = new PayloadReader(span, type);
                ulong seed = BinaryPrimitives.ReadUInt64LittleEndian(end.Bytes(8));
                end.End();
                return (pages, seed);
            }
            ExpectedFrame.Check(type, MessageType.BlockRequest, span);
            if (span.Length % 4 != 0 || pages.Count + span.Length / 4 > ProtocolLimits.PagesPerBlockRequest)
            {
                throw new ProtocolException($"malformed BlockRequest frame ({span.Length} bytes, {pages.Count} pages before it)");
            }
            for (int offset = 0; offset < span.Length; offset += 4)
            {
                uint page = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
                uint previous = pages.Count > 0 ? pages[^1] : after;
                if (page <= previous || page > lastPage)
                {
                    throw new ProtocolException($"the origin asks for the blocks of page {page}, which is out of order, already written or past " +
                        $"the replica's {lastPage} pages");
                }
                pages.Add(page);
            }
        }
    }

    public static void WriteHashes(FrameWriter writer, ReadOnlySpan<ulong> hashes)
    {
        var payload = new byte[Math.Min(hashes.Length, ProtocolLimits.BlockHashesPerFrame) * HashLength];
        while (!hashes.IsEmpty)
        {
            var chunk = hashes[..Math.Min(hashes.Length, ProtocolLimits.BlockHashesPerFrame)];
            for (int i = 0; i < chunk.Length; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(i * HashLength), chunk[i]);
            }
            writer.Write(MessageType.BlockHashes, payload.AsSpan(0, chunk.Length * HashLength));
            hashes = hashes[chunk.Length..];
        }
    }

    /// <summary>Reads BlockHashes frames until exactly <paramref name="expected"/> hashes have come.</summary>
    public static ulong[] ReadHashes(FrameReader reader, int expected)
    {
        var hashes = new ulong[expected];
        for (int count = 0; count < expected;)
        {
            var (type, payload) = reader.Read();
            var span = payload.Span;
            ExpectedFrame.Check(type, MessageType.BlockHashes, span);
            int n = span.Length / HashLength;
            if (span.Length % HashLength != 0 || n == 0 || n > expected - count)
            {
                throw new ProtocolException($"malformed BlockHashes frame ({span.Length} bytes, {expected - count} hashes still due)");
            }
            for (int i = 0; i < n; i++)
            {
                hashes[count++] = BinaryPrimitives.ReadUInt64LittleEndian(span[(i * HashLength)..]);
            }
        }
        return hashes;
    }
}
