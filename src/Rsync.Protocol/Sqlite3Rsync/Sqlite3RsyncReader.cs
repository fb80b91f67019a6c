using System.Buffers.Binary;
using System.Text;

namespace SqlRsync.Protocol.Sqlite3Rsync;

/// <summary>
/// Reads sqlite3_rsync's messages field by field, as its own program does, checking every value a peer
/// announces (page sizes, text lengths) before anything is allocated or used; the caller checks the
/// code against what may come next. Counts the bytes read.
/// </summary>
internal sealed class Sqlite3RsyncReader(Stream stream)
{
    private readonly byte[] _scratch = new byte[4];

    public long BytesRead { get; private set; }

    /// <summary>The next message code, or null when the peer closed the connection between messages.</summary>
    public Sqlite3RsyncMessage? ReadCode()
    {
        int code = stream.ReadByte();
        if (code < 0)
        {
            return null;
        }
        BytesRead++;
        if (!Enum.IsDefined((Sqlite3RsyncMessage)code))
        {
            throw new ProtocolException($"unknown sqlite3_rsync message 0x{code:x2}, {BytesRead} bytes into the conversation");
        }
        return (Sqlite3RsyncMessage)code;
    }

    public byte ReadByte()
    {
        ReadExactly(_scratch.AsSpan(0, 1));
        return _scratch[0];
    }

    public uint ReadUInt32()
    {
        ReadExactly(_scratch);
        return BinaryPrimitives.ReadUInt32BigEndian(_scratch);
    }

    /// <summary>A page size, sent as its log2: SQLite's 512 to 65,536 bytes only.</summary>
    public int ReadPageSize()
    {
        byte log2 = ReadByte();
        if (log2 is < 9 or > 16)
        {
            throw new ProtocolException($"the peer announces pages of 2^{log2} bytes; SQLite pages are 512 to 65,536 bytes");
        }
        return 1 << log2;
    }

    /// <summary>An ERROR or MSG text, cut to one printable line.</summary>
    public string ReadText()
    {
        uint length = ReadUInt32();
        if (length > Sqlite3RsyncProtocol.MaxText)
        {
            throw new ProtocolException($"the peer announces a {length}-byte message, over the {Sqlite3RsyncProtocol.MaxText}-byte limit");
        }
        var text = new byte[length];
        ReadExactly(text);
        return string.Join(' ', Encoding.UTF8.GetString(text).Split((char[])['\n', '\r', '\t'],
            StringSplitOptions.RemoveEmptyEntries).Select(part => part.Trim()))
            .Replace('\0', ' ');
    }

    public void ReadExactly(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = stream.Read(destination[total..]);
            if (read == 0)
            {
                throw new ProtocolException("the peer closed the connection in the middle of a message");
            }
            total += read;
        }
        BytesRead += total;
    }
}
