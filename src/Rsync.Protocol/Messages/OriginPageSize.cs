using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// OriginPageSize: the origin's page size (u32), read before its snapshot is pinned and sent with its
/// hello. A replica whose file exists but is empty gives it this page size before it takes the write
/// lock, which must come before the origin pins its snapshot (OriginInfo).
/// </summary>
internal static class OriginPageSize
{
    public static void Write(FrameWriter writer, int pageSize)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)pageSize);
        writer.Write(MessageType.OriginPageSize, payload);
    }

    public static int Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.OriginPageSize);
        uint pageSize = reader.U32();
        reader.End();
        if (!ProtocolLimits.IsPageSize(pageSize))
        {
            throw new ProtocolException($"OriginPageSize announces page size {pageSize}, which SQLite never uses");
        }
        return (int)pageSize;
    }
}
