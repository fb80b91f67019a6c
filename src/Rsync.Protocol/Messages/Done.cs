using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// Done: the origin's page count (u32), the number of pages sent (u32), and a 16-byte digest of
/// everything sent (each page number and its uncompressed bytes). The replica commits only when
/// all three match what it received: a garbled or partial page stream is never committed.
/// </summary>
internal readonly record struct Done(uint PageCount, uint PagesSent, UInt128 Digest)
{
    public const int Length = 24;

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> payload = stackalloc byte[Length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, PageCount);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[4..], PagesSent);
        BinaryPrimitives.WriteUInt128LittleEndian(payload[8..], Digest);
        writer.Write(MessageType.Done, payload);
    }

    public static Done Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.Done);
        var done = new Done(reader.U32(), reader.U32(), BinaryPrimitives.ReadUInt128LittleEndian(reader.Bytes(16)));
        reader.End();
        return done;
    }
}
