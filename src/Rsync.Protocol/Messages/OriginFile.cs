using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// OriginFile: what the replica needs of the origin before it opens its own file, sent with the
/// origin's hello, before its snapshot is pinned: the origin's page size (u32), its file's permission
/// bits (u16, 0 to 0777) and the session's hash seed (u64). The replica takes the write lock before
/// the origin pins its snapshot (OriginInfo): a replica whose file exists but is empty takes this page
/// size, and a new replica file these permission bits (less the umask), so that a private origin
/// never makes a world-readable copy. Both sides hash the pages of the hash tree with the seed, drawn
/// at random for each sync, so that no one who writes chosen bytes into the origin can know in
/// advance which pages would collide (docs/protocol.md, "Hash collisions").
/// </summary>
internal readonly record struct OriginFile(int PageSize, int Mode, long HashSeed)
{
    /// <summary>The permission bits a peer that sends none (sqlite3_rsync) gets: the owner's alone.</summary>
    public const int PrivateMode = 0x180;  // 0600

    private const int MaxMode = 0x1FF;  // 0777

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> payload = stackalloc byte[14];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)PageSize);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[4..], (ushort)Mode);
        BinaryPrimitives.WriteInt64LittleEndian(payload[6..], HashSeed);
        writer.Write(MessageType.OriginFile, payload);
    }

    public static OriginFile Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.OriginFile);
        uint pageSize = reader.U32();
        ushort mode = reader.U16();
        long seed = (long)reader.U64();
        reader.End();
        if (!ProtocolLimits.IsPageSize(pageSize))
        {
            throw new ProtocolException($"OriginFile announces page size {pageSize}, which SQLite never uses");
        }
        if (mode > MaxMode)
        {
            throw new ProtocolException($"OriginFile announces permission bits {Convert.ToString(mode, 8)}, more than rwxrwxrwx");
        }
        return new OriginFile((int)pageSize, mode, seed);
    }
}
