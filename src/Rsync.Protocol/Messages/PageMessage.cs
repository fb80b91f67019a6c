using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

internal enum PageEncoding : byte
{
    Raw = 0,
    Brotli = 1,
}

/// <summary>Page: page number (u32), encoding (u8), then the page bytes, raw or compressed.</summary>
internal static class PageMessage
{
    public const int HeadLength = 5;

    public static void Write(FrameWriter writer, uint pageNumber, PageEncoding encoding, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        BinaryPrimitives.WriteUInt32LittleEndian(head, pageNumber);
        head[4] = (byte)encoding;
        writer.Write(MessageType.Page, head, body);
    }

    /// <summary>Splits a Page payload; <paramref name="body"/> is still raw or compressed as <paramref name="encoding"/> says.</summary>
    public static uint Parse(ReadOnlySpan<byte> payload, out PageEncoding encoding, out ReadOnlySpan<byte> body)
    {
        var reader = new PayloadReader(payload, MessageType.Page);
        uint pageNumber = reader.U32();
        encoding = (PageEncoding)reader.U8();
        if (!Enum.IsDefined(encoding))
        {
            throw new ProtocolException($"page {pageNumber} has unknown encoding {(byte)encoding}");
        }
        body = reader.Rest();
        return pageNumber;
    }
}
