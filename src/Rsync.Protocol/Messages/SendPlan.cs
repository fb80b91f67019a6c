using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// SendPlan: the number of Page frames that follow (u32), then the origin's hashing figures. The
/// replica learns what is coming (a total for its progress, the answer of a dry run) and checks that
/// exactly this many pages arrive.
/// </summary>
internal readonly record struct SendPlan(uint Pages, HashingFigures OriginHashing)
{
    public const int Length = 4 + HashingFigures.Length;

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> payload = stackalloc byte[Length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, Pages);
        OriginHashing.Write(payload[4..]);
        writer.Write(MessageType.SendPlan, payload);
    }

    public static SendPlan Parse(ReadOnlySpan<byte> payload, uint originPageCount)
    {
        var reader = new PayloadReader(payload, MessageType.SendPlan);
        uint pages = reader.U32();
        var hashing = HashingFigures.Read(ref reader);
        reader.End();
        if (pages > originPageCount)
        {
            throw new ProtocolException($"the origin plans to send {pages} pages of its {originPageCount}-page database");
        }
        return new SendPlan(pages, hashing);
    }
}
