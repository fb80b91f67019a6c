using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// Hash-tree traffic, one level at a time: Hashes (level u8, then 16-byte hashes), NodeRequest
/// (level u8, then u32 node indices), and HashesEnd / NodeRequestEnd (level u8). Long lists are
/// split over several frames.
/// </summary>
internal static class LevelMessages
{
    public const int HashLength = 16;

    public static void WriteHashes(FrameWriter writer, byte level, ReadOnlySpan<UInt128> hashes)
    {
        Span<byte> payload = stackalloc byte[1 + ProtocolLimits.HashesPerFrame * HashLength];
        do
        {
            var chunk = hashes[..Math.Min(hashes.Length, ProtocolLimits.HashesPerFrame)];
            payload[0] = level;
            for (int i = 0; i < chunk.Length; i++)
            {
                BinaryPrimitives.WriteUInt128LittleEndian(payload[(1 + i * HashLength)..], chunk[i]);
            }
            writer.Write(MessageType.Hashes, payload[..(1 + chunk.Length * HashLength)]);
            hashes = hashes[chunk.Length..];
        }
        while (!hashes.IsEmpty);
        writer.Write(MessageType.HashesEnd, [level]);
    }

    public static void WriteNodeRequest(FrameWriter writer, byte level, ReadOnlySpan<uint> nodes)
    {
        U32ListFrames.Write(writer, MessageType.NodeRequest, [level], nodes);
        writer.Write(MessageType.NodeRequestEnd, [level]);
    }

    /// <summary>Reads Hashes frames of <paramref name="level"/> up to HashesEnd, at most <paramref name="expected"/> hashes in all.</summary>
    public static UInt128[] ReadHashes(FrameReader reader, byte level, int expected)
    {
        var hashes = new UInt128[expected];
        int count = 0;
        while (true)
        {
            var (type, payload) = reader.Read();
            var span = payload.Span;
            if (type == MessageType.HashesEnd)
            {
                ExpectLevel(span, level, type);
                if (count != expected)
                {
                    throw new ProtocolException($"level {level}: expected {expected} hashes, the peer sent {count}");
                }
                return hashes;
            }
            ExpectedFrame.Check(type, MessageType.Hashes, span);
            if (span.Length < 1 || span[0] != level || (span.Length - 1) % HashLength != 0)
            {
                throw new ProtocolException($"malformed Hashes frame for level {level}");
            }
            int n = (span.Length - 1) / HashLength;
            if (n > expected - count)
            {
                throw new ProtocolException($"level {level}: the peer sent more than the {expected} hashes asked for");
            }
            for (int i = 0; i < n; i++)
            {
                hashes[count++] = BinaryPrimitives.ReadUInt128LittleEndian(span[(1 + i * HashLength)..]);
            }
        }
    }

    /// <summary>
    /// Reads NodeRequest frames of <paramref name="level"/> up to NodeRequestEnd; each index must be
    /// below <paramref name="nodeCount"/> and ascending.
    /// </summary>
    public static List<uint> ReadNodeRequest(FrameReader reader, byte level, uint nodeCount)
    {
        var nodes = new List<uint>();
        while (true)
        {
            var (type, payload) = reader.Read();
            var span = payload.Span;
            if (type == MessageType.NodeRequestEnd)
            {
                ExpectLevel(span, level, type);
                return nodes;
            }
            ExpectedFrame.Check(type, MessageType.NodeRequest, span);
            if (span.Length < 1 || span[0] != level || (span.Length - 1) % 4 != 0)
            {
                throw new ProtocolException($"malformed NodeRequest frame for level {level}");
            }
            for (int offset = 1; offset < span.Length; offset += 4)
            {
                uint node = BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
                if (node >= nodeCount || (nodes.Count > 0 && node <= nodes[^1]))
                {
                    throw new ProtocolException($"level {level}: node {node} is out of order or past the {nodeCount} nodes of that level");
                }
                nodes.Add(node);
            }
        }
    }

    private static void ExpectLevel(ReadOnlySpan<byte> payload, byte level, MessageType type)
    {
        if (payload.Length != 1 || payload[0] != level)
        {
            throw new ProtocolException($"malformed {type} frame for level {level}");
        }
    }
}
