using System.Buffers.Binary;
using System.Numerics;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// PageDelta: page number (u32), block mask (u32: bit i set when block i follows), encoding (u8),
/// then the blocks that differ, in order, raw or compressed (<see cref="Blocks"/>). Block i is bytes
/// [i × size, (i + 1) × size) of the page, size being the page size / <see cref="ProtocolLimits.BlocksPerPage"/>.
/// </summary>
internal readonly ref struct PageDelta(uint pageNumber, uint mask, PageEncoding encoding, ReadOnlySpan<byte> blocks)
{
    public const int HeadLength = 9;

    public uint PageNumber { get; } = pageNumber;

    public uint Mask { get; } = mask;

    public PageEncoding Encoding { get; } = encoding;

    /// <summary>The blocks that differ, still raw or compressed as <see cref="Encoding"/> says.</summary>
    public ReadOnlySpan<byte> Blocks { get; } = blocks;

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        BinaryPrimitives.WriteUInt32LittleEndian(head, PageNumber);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], Mask);
        head[8] = (byte)Encoding;
        writer.Write(MessageType.PageDelta, head, Blocks);
    }

    public static PageDelta Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.PageDelta);
        uint pageNumber = reader.U32();
        uint mask = reader.U32();
        var encoding = (PageEncoding)reader.U8();
        if (!Enum.IsDefined(encoding))
        {
            throw new ProtocolException($"page {pageNumber} has unknown encoding {(byte)encoding}");
        }
        if (mask == 0)
        {
            throw new ProtocolException($"the origin sent a delta of page {pageNumber} that changes no block");
        }
        return new PageDelta(pageNumber, mask, encoding, reader.Rest());
    }

    /// <summary>The length of the blocks <paramref name="mask"/> names, for pages of <paramref name="pageSize"/> bytes.</summary>
    public static int BlocksLength(uint mask, int pageSize) => BitOperations.PopCount(mask) * (pageSize / ProtocolLimits.BlocksPerPage);
}
