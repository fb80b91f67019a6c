using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// OriginInfo and ReplicaInfo: page size (u32), page count (u32), flags (u8: bit 0 = WAL database),
/// the page size of the file the replica is rebuilt to replace (u32; 0 when it replaces none, and
/// always 0 from the origin), and the seed the replica's page hashes must have (i64; 0: the one the
/// origin chose, which a database replica always takes; an archive's stored hashes have the
/// archive's; always 0 from the origin). A replica whose page size differs from the origin's
/// announces itself as new (page count 0, the origin's page size), rebuilt beside the old file and
/// swapped in.
/// </summary>
internal readonly record struct DatabaseInfo(int PageSize, uint PageCount, bool IsWal, int ReplacedPageSize = 0, long HashSeed = 0)
{
    public void WriteTo(FrameWriter writer, MessageType type)
    {
        Span<byte> payload = stackalloc byte[21];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)PageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[4..], PageCount);
        payload[8] = IsWal ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(payload[9..], (uint)ReplacedPageSize);
        BinaryPrimitives.WriteInt64LittleEndian(payload[13..], HashSeed);
        writer.Write(type, payload);
    }

    public static DatabaseInfo Parse(ReadOnlySpan<byte> payload, MessageType type)
    {
        var reader = new PayloadReader(payload, type);
        uint pageSize = reader.U32();
        uint pageCount = reader.U32();
        byte flags = reader.U8();
        uint replacedPageSize = reader.U32();
        long hashSeed = (long)reader.U64();
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
        if (replacedPageSize != 0 && (type != MessageType.ReplicaInfo || !ProtocolLimits.IsPageSize(replacedPageSize) || replacedPageSize == pageSize
            || pageCount != 0))
        {
            throw new ProtocolException($"{type} announces a replaced file of page size {replacedPageSize}, which it cannot have");
        }
        if (hashSeed != 0 && type != MessageType.ReplicaInfo)
        {
            throw new ProtocolException($"{type} announces a hash seed, which only a replica may");
        }
        return new DatabaseInfo((int)pageSize, pageCount, flags == 1, (int)replacedPageSize, hashSeed);
    }
}
