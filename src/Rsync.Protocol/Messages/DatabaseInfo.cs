using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// OriginInfo and ReplicaInfo: page size (u32), page count (u32), flags (u8: bit 0 = WAL database).
/// </summary>
internal readonly record struct DatabaseInfo(int PageSize, uint PageCount, bool IsWal)
{
    public void WriteTo(FrameWriter writer, MessageType type)
    {
        Span<byte> payload = stackalloc byte[9];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)PageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[4..], PageCount);
        payload[8] = IsWal ? (byte)1 : (byte)0;
        writer.Write(type, payload);
    }

    public static DatabaseInfo Parse(ReadOnlySpan<byte> payload, MessageType type)
    {
        var reader = new PayloadReader(payload, type);
        uint pageSize = reader.U32();
        uint pageCount = reader.U32();
        byte flags = reader.U8();
        reader.End();
        if (!ProtocolLimits.IsPageSize(pageSize))
        {
            throw new ProtocolException($"{type} announces page size {pageSize}, which SQLite never uses");
        }
        if (pageCount > ProtocolLimits.MaxPageCount)
        {
            throw new ProtocolException($"{type} announces {pageCount} pages, more than SQLite allows");
        }
        if (flags > 1)
        {
            throw new ProtocolException($"{type} has unknown flags 0x{flags:x2}");
        }
        return new DatabaseInfo((int)pageSize, pageCount, flags == 1);
    }
}
