using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// The leaf check, the last level of a comparison turned around: the origin names level-1 nodes that differ
/// (LeafCheck: u32 node indices, ascending) and sends its own hashes of the pages under them (OriginLeaves:
/// 16-byte hashes, in page order), ending with LeafCheckEnd (seed u64 for block hashes · block pages u32: how
/// many of the differing pages may have their block hashes sent, 0 for none). The replica, which holds both
/// hashes now, answers with the pages that differ (DifferentPages: u32 page numbers, ascending; DifferentPagesEnd)
/// and the block hashes of the first of them (BlockHashes frames). Whoever compares, one round trip finds the
/// pages and, with deltas, what of them the replica has.
/// </summary>
internal static class LeafCheckMessages
{
    /// <summary>The nodes first, flushed on their own: the replica hashes its pages under them while the origin hashes its own.</summary>
    public static void WriteNodes(FrameWriter writer, ReadOnlySpan<uint> nodes) => U32ListFrames.Write(writer, MessageType.LeafCheck, [], nodes);

    public static void WriteLeaves(FrameWriter writer, ReadOnlySpan<UInt128> leaves, ulong seed, int blockPages)
    {
        var payload = new byte[Math.Min(leaves.Length, ProtocolLimits.HashesPerFrame) * LevelMessages.HashLength];
        while (!leaves.IsEmpty)
        {
            var chunk = leaves[..Math.Min(leaves.Length, ProtocolLimits.HashesPerFrame)];
            for (int i = 0; i < chunk.Length; i++)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(payload.AsSpan(i * LevelMessages.HashLength), chunk[i]);
            }
            writer.Write(MessageType.OriginLeaves, payload.AsSpan(0, chunk.Length * LevelMessages.HashLength));
            leaves = leaves[chunk.Length..];
        }
        Span<byte> end = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(end, seed);
        BinaryPrimitives.WriteUInt32LittleEndian(end[8..], (uint)blockPages);
        writer.Write(MessageType.LeafCheckEnd, end);
    }

    /// <summary>Reads the LeafCheck frames: node indices below <paramref name="nodeCount"/>, ascending, at least one.</summary>
    public static List<uint> ReadNodes(FrameReader reader, uint nodeCount)
    {
        var nodes = new List<uint>();
        while (reader.PeekType() == MessageType.LeafCheck)
        {
            var span = reader.Read().Payload.Span;
            if (span.Length == 0 || span.Length % 4 != 0)
            {
                throw new ProtocolException($"malformed LeafCheck frame ({span.Length} bytes)");
            }
            for (int offset = 0; offset < span.Length; offset += 4)
            {
                uint node = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
                if (node >= nodeCount || (nodes.Count > 0 && node <= nodes[^1]))
                {
                    throw new ProtocolException($"leaf check: node {node} is out of order or past the {nodeCount} nodes of level 1");
                }
                nodes.Add(node);
            }
        }
        if (nodes.Count == 0)
        {
            throw new ProtocolException("a leaf check names no node");
        }
        return nodes;
    }

    /// <summary>
    /// Reads exactly <paramref name="ours"/>.Length OriginLeaves hashes, comparing each with ours as it comes (nothing
    /// of theirs is kept), then LeafCheckEnd; returns the indices into <paramref name="ours"/> that differ, the seed
    /// and the block pages asked for.
    /// </summary>
    public static (List<int> Differing, ulong Seed, int BlockPages) ReadLeaves(FrameReader reader, ReadOnlySpan<UInt128> ours)
    {
        var differing = new List<int>();
        int count = 0;
        while (true)
        {
            var (type, payload) = reader.Read();
            var span = payload.Span;
            if (type == MessageType.LeafCheckEnd)
            {
                if (count != ours.Length)
                {
                    throw new ProtocolException($"leaf check: expected {ours.Length} page hashes, the origin sent {count}");
                }
                var end = new PayloadReader(span, type);
                ulong seed = end.U64();
                uint blockPages = end.U32();
                end.End();
                if (blockPages > ProtocolLimits.PagesPerBlockRequest)
                {
                    throw new ProtocolException($"leaf check: block hashes of {blockPages} pages asked for, more than {ProtocolLimits.PagesPerBlockRequest}");
                }
                return (differing, seed, (int)blockPages);
            }
            ExpectedFrame.Check(type, MessageType.OriginLeaves, span);
            int n = span.Length / LevelMessages.HashLength;
            if (span.Length % LevelMessages.HashLength != 0 || n == 0 || n > ours.Length - count)
            {
                throw new ProtocolException($"malformed OriginLeaves frame ({span.Length} bytes, {ours.Length - count} hashes still due)");
            }
            for (int i = 0; i < n; i++, count++)
            {
                if (BinaryPrimitives.ReadUInt128LittleEndian(span[(i * LevelMessages.HashLength)..]) != ours[count])
                {
                    differing.Add(count);
                }
            }
        }
    }

    public static void WriteDifferentPages(FrameWriter writer, List<uint> pages)
    {
        U32ListFrames.Write(writer, MessageType.DifferentPages, [], CollectionsMarshal.AsSpan(pages));
        writer.Write(MessageType.DifferentPagesEnd, []);
    }

    /// <summary>
    /// Reads DifferentPages frames up to DifferentPagesEnd: ascending page numbers, each one <paramref name="isAsked"/>
    /// accepts (a page of the check), so that their number is bounded by the check's own.
    /// </summary>
    public static List<uint> ReadDifferentPages(FrameReader reader, Func<uint, bool> isAsked)
    {
        var pages = new List<uint>();
        while (true)
        {
            var (type, payload) = reader.Read();
            var span = payload.Span;
            if (type == MessageType.DifferentPagesEnd)
            {
                new PayloadReader(span, type).End();
                return pages;
            }
            ExpectedFrame.Check(type, MessageType.DifferentPages, span);
            if (span.Length == 0 || span.Length % 4 != 0)
            {
                throw new ProtocolException($"malformed DifferentPages frame ({span.Length} bytes)");
            }
            for (int offset = 0; offset < span.Length; offset += 4)
            {
                uint page = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
                if ((pages.Count > 0 && page <= pages[^1]) || !isAsked(page))
                {
                    throw new ProtocolException($"the replica names page {page} as different, which is out of order or not a page of the leaf check");
                }
                pages.Add(page);
            }
        }
    }
}
