using System.Buffers.Binary;

namespace SqlRsync.Engine.Archives;

/// <summary>Reads the little-endian fields of an archive's plain bytes; running past the end is damage.</summary>
internal ref struct ByteReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private int _at;

    public readonly int Remaining => _bytes.Length - _at;

    public byte U8() => Bytes(1)[0];

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

    public UInt128 U128() => BinaryPrimitives.ReadUInt128LittleEndian(Bytes(16));

    public BlobId Id() => BlobId.Read(Bytes(BlobId.Length));

    public ReadOnlySpan<byte> Bytes(int count)
    {
        if (count > Remaining)
        {
            throw new InvalidDataException($"it is cut short ({_bytes.Length} bytes)");
        }
        var span = _bytes.Slice(_at, count);
        _at += count;
        return span;
    }

    public readonly void End()
    {
        if (Remaining != 0)
        {
            throw new InvalidDataException($"{Remaining} bytes follow its end");
        }
    }
}
