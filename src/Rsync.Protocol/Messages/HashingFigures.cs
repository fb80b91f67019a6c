using System.Buffers.Binary;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// How long a side took to hash its pages and how many bytes that was: microseconds (u64), bytes (u64).
/// Each side tells the other, so either end can report both hashing rates.
/// </summary>
internal readonly record struct HashingFigures(ulong Microseconds, ulong Bytes)
{
    public const int Length = 16;

    public static HashingFigures From(TimeSpan time, long bytes) => new((ulong)Math.Max(0, time.Ticks / 10), (ulong)Math.Max(0, bytes));

    /// <summary>Bytes per second, or 0 when nothing was hashed.</summary>
    public double BytesPerSecond => Microseconds == 0 ? 0 : Bytes / (Microseconds / 1e6);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Microseconds);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Bytes);
    }

    internal static HashingFigures Read(ref PayloadReader reader) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(reader.Bytes(8)), BinaryPrimitives.ReadUInt64LittleEndian(reader.Bytes(8)));
}
