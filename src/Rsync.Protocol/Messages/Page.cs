using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>Page: page number (u32), encoding (u8), then the page bytes, raw or compressed (<see cref="Body"/>).</summary>
internal readonly ref struct Page(uint pageNumber, PageEncoding encoding, ReadOnlySpan<byte> body)
{
    public const int HeadLength = 5;

    public uint PageNumber { get; } = pageNumber;

    public PageEncoding Encoding { get; } = encoding;

    /// <summary>The page's bytes, still raw or compressed as <see cref="Encoding"/> says.</summary>
    public ReadOnlySpan<byte> Body { get; } = body;

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        BinaryPrimitives.WriteUInt32LittleEndian(head, PageNumber);
        head[4] = (byte)Encoding;
        writer.Write(MessageType.Page, head, Body);
    }

    public static Page Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.Page);
        uint pageNumber = reader.U32();
        var encoding = (PageEncoding)reader.U8();
        if (!Enum.IsDefined(encoding))
        {
            throw new ProtocolException($"page {pageNumber} has unknown encoding {(byte)encoding}");
        }
        return new Page(pageNumber, encoding, reader.Rest());
    }
}
