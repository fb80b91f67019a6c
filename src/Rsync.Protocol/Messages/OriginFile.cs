using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// OriginFile: the origin's page size (u32) and its file's permission bits (u16, 0 to 0777), read
/// before its snapshot is pinned and sent with its hello. The replica needs both before it takes the
/// write lock, which must come before the origin pins its snapshot (OriginInfo): a replica whose file
/// exists but is empty takes this page size, and a new replica file these permission bits (less the
/// umask), so that a private origin never makes a world-readable copy.
/// </summary>
internal readonly record struct OriginFile(int PageSize, int Mode)
{
    /// <summary>The permission bits a peer that sends none (sqlite3_rsync) gets: the owner's alone.</summary>
    public const int PrivateMode = 0x180;  // 0600

    private const int MaxMode = 0x1FF;  // 0777

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> payload = stackalloc byte[6];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)PageSize);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[4..], (ushort)Mode);
        writer.Write(MessageType.OriginFile, payload);
    }

    public static OriginFile Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.OriginFile);
        uint pageSize = reader.U32();
        ushort mode = reader.U16();
        reader.End();
        if (!ProtocolLimits.IsPageSize(pageSize))
        {
            throw new ProtocolException($"OriginFile announces page size {pageSize}, which SQLite never uses");
        }
        if (mode > MaxMode)
        {
            throw new ProtocolException($"OriginFile announces permission bits {Convert.ToString(mode, 8)}, more than rwxrwxrwx");
        }
        return new OriginFile((int)pageSize, mode);
    }
}
