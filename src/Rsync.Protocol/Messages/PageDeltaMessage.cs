using System.Buffers.Binary;
using System.Numerics;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// PageDelta: page number (u32), block mask (u32: bit i set when block i follows), encoding (u8),
/// then the blocks that differ, in order, raw or compressed. Block i is bytes
/// [i × size, (i + 1) × size) of the page, size being the page size / <see cref="ProtocolLimits.BlocksPerPage"/>.
/// </summary>
internal static class PageDeltaMessage
{
    public const int HeadLength = 9;

    public static void Write(FrameWriter writer, uint pageNumber, uint mask, PageEncoding encoding, ReadOnlySpan<byte> blocks)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        BinaryPrimitives.WriteUInt32LittleEndian(head, pageNumber);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], mask);
        head[8] = (byte)encoding;
        writer.Write(MessageType.PageDelta, head, blocks);
    }

    /// <summary>Splits a PageDelta payload; <paramref name="blocks"/> is still raw or compressed as <paramref name="encoding"/> says.</summary>
    public static uint Parse(ReadOnlySpan<byte> payload, out uint mask, out PageEncoding encoding, out ReadOnlySpan<byte> blocks)
    {
        var reader = new PayloadReader(payload, MessageType.PageDelta);
        uint pageNumber = reader.U32();
        mask = reader.U32();
        encoding = (PageEncoding)reader.U8();
        if (!Enum.IsDefined(encoding))
        {
            throw new ProtocolException($"page {pageNumber} has unknown encoding {(byte)encoding}");
        }
        if (mask == 0)
        {
            throw new ProtocolException($"the origin sent a delta of page {pageNumber} that changes no block");
        }
        blocks = reader.Rest();
        return pageNumber;
    }

    /// <summary>The length of the blocks <paramref name="mask"/> names, for pages of <paramref name="pageSize"/> bytes.</summary>
    public static int BlocksLength(uint mask, int pageSize) => BitOperations.PopCount(mask) * (pageSize / ProtocolLimits.BlocksPerPage);
}
