using System.Buffers.Binary;

namespace SqlRsync.Protocol;

/// <summary>
/// Writes frames: one type byte, a 4-byte little-endian payload length, then the payload.
/// Frames are buffered; <see cref="Flush"/> sends them.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "The buffer wraps a stream its caller owns, which disposing it would close; frames leave on Flush.")]
internal sealed class FrameWriter
{
    private readonly Stream _stream;
    private readonly byte[] _header = new byte[FrameReader.HeaderLength];

    public FrameWriter(Stream stream)
    {
        _stream = new BufferedStream(stream, 256 * 1024);
    }

    /// <summary>Bytes written so far, headers included.</summary>
    public long BytesWritten { get; private set; }

    public void Write(MessageType type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ProtocolLimits.MaxPayload)
        {
            throw new ArgumentException($"a {type} payload of {payload.Length} bytes is over the {ProtocolLimits.MaxPayload}-byte limit", nameof(payload));
        }
        _header[0] = (byte)type;
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(1), payload.Length);
        _stream.Write(_header);
        _stream.Write(payload);
        BytesWritten += _header.Length + payload.Length;
    }

    /// <summary>Writes a frame whose payload is two parts (a small header and a body), without joining them.</summary>
    public void Write(MessageType type, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        int length = head.Length + body.Length;
        if (length > ProtocolLimits.MaxPayload)
        {
            throw new ArgumentException($"a {type} payload of {length} bytes is over the {ProtocolLimits.MaxPayload}-byte limit", nameof(body));
        }
        _header[0] = (byte)type;
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(1), length);
        _stream.Write(_header);
        _stream.Write(head);
        _stream.Write(body);
        BytesWritten += _header.Length + length;
    }

    public void Flush() => _stream.Flush();
}
