using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// A list of u32 values (node indices, page numbers), little-endian, split over as many frames of one
/// type as it needs, at most <see cref="ProtocolLimits.NodesPerFrame"/> values each, every frame after
/// the same leading bytes. An empty list writes no frame.
/// </summary>
internal static class U32ListFrames
{
    public static void Write(FrameWriter writer, MessageType type, ReadOnlySpan<byte> head, ReadOnlySpan<uint> values)
    {
        Span<byte> payload = stackalloc byte[head.Length + ProtocolLimits.NodesPerFrame * 4];
        head.CopyTo(payload);
        while (!values.IsEmpty)
        {
            var chunk = values[..Math.Min(values.Length, ProtocolLimits.NodesPerFrame)];
            var body = payload.Slice(head.Length, chunk.Length * 4);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(chunk).CopyTo(body);
            }
            else
            {
                BinaryPrimitives.ReverseEndianness(chunk, MemoryMarshal.Cast<byte, uint>(body));
            }
            writer.Write(type, payload[..(head.Length + body.Length)]);
            values = values[chunk.Length..];
        }
    }
}
