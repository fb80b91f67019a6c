using System.Buffers.Binary;

namespace SqlRsync.Protocol;

/// <summary>
/// Reads frames written by <see cref="FrameWriter"/>. A type byte that is not a known message and a
/// length over <see cref="ProtocolLimits.MaxPayload"/> are rejected before any payload is read.
/// </summary>
internal sealed class FrameReader
{
    public const int HeaderLength = 5;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[HeaderLength + ProtocolLimits.MaxPayload];

    public FrameReader(Stream stream)
    {
        _stream = stream;
    }

    private (MessageType Type, ReadOnlyMemory<byte> Payload)? _peeked;

    /// <summary>Bytes read so far, headers included.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The type of the next frame, which stays unread: the next <see cref="Read"/> returns it.</summary>
    /// <exception cref="ProtocolException">Garbled bytes, a bad length, or the peer closed the stream.</exception>
    public MessageType PeekType()
    {
        _peeked ??= ReadFrame();
        return _peeked.Value.Type;
    }

    /// <summary>
    /// The next frame. Its payload is only valid until the next call.
    /// </summary>
    /// <exception cref="ProtocolException">Garbled bytes, a bad length, or the peer closed the stream.</exception>
    public (MessageType Type, ReadOnlyMemory<byte> Payload) Read()
    {
        var frame = _peeked ?? ReadFrame();
        _peeked = null;
        return frame;
    }

    private (MessageType Type, ReadOnlyMemory<byte> Payload) ReadFrame()
    {
        ReadExactly(_buffer.AsMemory(0, HeaderLength), "a frame header");
        var type = (MessageType)_buffer[0];
        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(1));
        if (!Enum.IsDefined(type))
        {
            throw new ProtocolException($"unknown message type 0x{_buffer[0]:x2}");
        }
        if (length < 0 || length > ProtocolLimits.MaxPayload)
        {
            throw new ProtocolException($"{type} frame announces {(uint)length} bytes, over the {ProtocolLimits.MaxPayload}-byte limit");
        }
        var payload = _buffer.AsMemory(HeaderLength, length);
        ReadExactly(payload, $"a {type} payload");
        BytesRead += HeaderLength + length;
        return (type, payload);
    }

    private void ReadExactly(Memory<byte> destination, string what)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = _stream.Read(destination.Span[total..]);
            if (read == 0)
            {
                throw new ProtocolException(total == 0 && what == "a frame header"
                    ? "the peer closed the connection"
                    : $"the peer closed the connection in the middle of {what}");
            }
            total += read;
        }
    }
}
