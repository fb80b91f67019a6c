using System.Buffers.Binary;

namespace SqlRsync.Engine.Archives;

/// <summary>Where a blob lies: its kind and id, and its stored bytes' offset and length in its pack.</summary>
internal readonly record struct PackEntry(BlobKind Kind, BlobId Id, uint Offset, uint Length)
{
    public const int Size = 1 + BlobId.Length + 4 + 4;

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)Kind;
        Id.Write(destination[1..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[33..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[37..], Length);
    }

    /// <summary>Reads an entry of a pack of <paramref name="packLength"/> bytes (its blobs lie after the magic and before its header).</summary>
    /// <exception cref="InvalidDataException">The entry cannot be one of such a pack.</exception>
    public static PackEntry Read(ReadOnlySpan<byte> source, long packLength)
    {
        var entry = new PackEntry((BlobKind)source[0], BlobId.Read(source[1..]), BinaryPrimitives.ReadUInt32LittleEndian(source[33..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[37..]));
        // Each index entry passes here (a restore reads hundreds of thousands): no Enum.IsDefined, which is slow.
        if (entry.Kind is not (BlobKind.Page or BlobKind.Map) || entry.Length == 0 || entry.Offset < Pack.Magic.Length
            || entry.Offset + (long)entry.Length > packLength)
        {
            throw new InvalidDataException($"a blob entry ({entry.Kind}, offset {entry.Offset}, {entry.Length} bytes) lies outside its pack");
        }
        return entry;
    }
}

/// <summary>A pack: its id (SHA-256 of its bytes, which names its object), its length, and its blobs.</summary>
internal sealed record PackRecord(BlobId Id, long Length, IReadOnlyList<PackEntry> Entries)
{
    public string Key => Pack.KeyOf(Id);
}
