using System.Buffers.Binary;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// The identity of a blob in an archive (a page, a part of a snapshot's page map): 32 bytes of SHA-256
/// of its plain bytes, or of HMAC-SHA256 under the archive's key when it is encrypted. Two blobs with
/// one id are the same bytes, whatever an adversary chose to write into the database.
/// </summary>
internal readonly record struct BlobId(UInt128 High, UInt128 Low) : IComparable<BlobId>
{
    public const int Length = 32;

    public static BlobId Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt128BigEndian(bytes), BinaryPrimitives.ReadUInt128BigEndian(bytes[16..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt128BigEndian(destination, High);
        BinaryPrimitives.WriteUInt128BigEndian(destination[16..], Low);
    }

    /// <summary>Parses 64 hexadecimal digits (as <see cref="ToString"/> writes them); null for anything else.</summary>
    public static BlobId? ParseHex(string text)
    {
        if (text.Length != 2 * Length || !text.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }
        return Read(Convert.FromHexString(text));
    }

    public int CompareTo(BlobId other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        Write(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}

/// <summary>What a blob holds.</summary>
internal enum BlobKind : byte
{
    Page = 1,
    /// <summary>A part of a snapshot's page map (<see cref="PageMapChunk"/>).</summary>
    Map = 2,
}
