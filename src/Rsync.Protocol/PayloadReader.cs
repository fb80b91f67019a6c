using System.Buffers.Binary;

namespace SqlRsync.Protocol;

/// <summary>Reads fields from a payload, failing with a ProtocolException instead of running past its end.</summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload, MessageType type)
{
    private ReadOnlySpan<byte> _rest = payload;

    public ReadOnlySpan<byte> Bytes(int count)
    {
        if (count > _rest.Length)
        {
            throw new ProtocolException($"{type} payload is too short");
        }
        var bytes = _rest[..count];
        _rest = _rest[count..];
        return bytes;
    }

    public byte U8() => Bytes(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

    public ReadOnlySpan<byte> Rest()
    {
        var rest = _rest;
        _rest = default;
        return rest;
    }

    /// <summary>Fails when bytes are left over: every message has an exact length.</summary>
    public readonly void End()
    {
        if (!_rest.IsEmpty)
        {
            throw new ProtocolException($"{type} payload has {_rest.Length} unexpected trailing bytes");
        }
    }
}
