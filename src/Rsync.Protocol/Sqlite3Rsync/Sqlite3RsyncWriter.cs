using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SqlRsync.Protocol.Sqlite3Rsync;

/// <summary>Writes sqlite3_rsync's messages into a buffer that <see cref="Flush"/> sends; counts the bytes written.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "The buffer wraps a stream its caller owns, which disposing it would close; messages leave on Flush.")]
internal sealed class Sqlite3RsyncWriter(Stream stream)
{
    private readonly BufferedStream _buffer = new(stream, 64 * 1024);

    public long BytesWritten { get; private set; }

    public void Write(Sqlite3RsyncMessage code) => WriteByte((byte)code);

    public void WriteByte(byte value)
    {
        _buffer.WriteByte(value);
        BytesWritten++;
    }

    public void WriteUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        Write(bytes);
    }

    public void WritePageSize(int pageSize) => WriteByte((byte)BitOperations.Log2((uint)pageSize));

    public void WriteText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteUInt32((uint)bytes.Length);
        Write(bytes);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        BytesWritten += bytes.Length;
    }

    public void Flush() => _buffer.Flush();
}
