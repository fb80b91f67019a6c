using System.Buffers.Binary;
using System.Text;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// The messages of an archive store session (docs/protocol.md, "Archive stores"): the client keeps a
/// snapshot archive's objects on the agent's host through them, one request at a time. Object keys are
/// 1 to 200 printable ASCII characters (a list's prefix may be empty); what they may name is the
/// store's to check.
/// </summary>
internal static class StoreMessages
{
    public const int MaxKeyLength = 200;

    /// <summary>Bytes of an object per ObjectChunk frame.</summary>
    public const int ChunkLength = 65536;

    /// <summary>ObjectGet's length for "to the end of the object".</summary>
    public const uint ToTheEnd = uint.MaxValue;

    public static void WriteOpen(FrameWriter writer, ushort version, bool create)
    {
        Span<byte> payload = stackalloc byte[3];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, version);
        payload[2] = create ? (byte)1 : (byte)0;
        writer.Write(MessageType.StoreOpen, payload);
    }

    public static (ushort Version, bool Create) ReadOpen(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.StoreOpen);
        ushort version = reader.U16();
        byte flags = reader.U8();
        reader.End();
        return flags <= 1 ? (version, flags == 1) : throw new ProtocolException($"StoreOpen has unknown flags {flags}");
    }

    public static void WriteReady(FrameWriter writer, bool mayCreate, bool mayDelete) =>
        writer.Write(MessageType.StoreReady, [(byte)((mayCreate ? 1 : 0) | (mayDelete ? 2 : 0))]);

    public static (bool MayCreate, bool MayDelete) ReadReady(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.StoreReady);
        byte permissions = reader.U8();
        reader.End();
        return permissions <= 3 ? ((permissions & 1) != 0, (permissions & 2) != 0)
            : throw new ProtocolException($"StoreReady has unknown permissions {permissions}");
    }

    public static void WriteGet(FrameWriter writer, string key, ulong offset, uint length)
    {
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(head, offset);
        BinaryPrimitives.WriteUInt32LittleEndian(head[8..], length);
        writer.Write(MessageType.ObjectGet, head, KeyBytes(key, MessageType.ObjectGet));
    }

    public static (string Key, ulong Offset, uint Length) ReadGet(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.ObjectGet);
        ulong offset = reader.U64();
        uint length = reader.U32();
        return (Key(reader.Rest(), MessageType.ObjectGet, allowEmpty: false), offset, length);
    }

    /// <summary>ObjectPut, ObjectDelete and ObjectList: a key (a prefix, for a list) and nothing else.</summary>
    public static void WriteKeyed(FrameWriter writer, MessageType type, string key) => writer.Write(type, KeyBytes(key, type));

    public static string ReadKeyed(ReadOnlySpan<byte> payload, MessageType type) => Key(payload, type, allowEmpty: type == MessageType.ObjectList);

    public static void WriteEnd(FrameWriter writer, bool flag) => writer.Write(MessageType.ObjectEnd, [flag ? (byte)1 : (byte)0]);

    public static bool ReadEnd(ReadOnlySpan<byte> payload) =>
        payload.Length == 1 && payload[0] <= 1 ? payload[0] == 1 : throw new ProtocolException("ObjectEnd payload must be one byte, 0 or 1");

    /// <summary>Writes objects' sizes and keys in as few ObjectNames frames as they fit in, then an ObjectEnd.</summary>
    public static void WriteNames(FrameWriter writer, IEnumerable<(string Key, long Size)> objects)
    {
        var frame = new byte[ProtocolLimits.MaxPayload];
        int used = 0;
        foreach (var (key, size) in objects)
        {
            var bytes = KeyBytes(key, MessageType.ObjectNames);
            if (used + 9 + bytes.Length > frame.Length)
            {
                writer.Write(MessageType.ObjectNames, frame.AsSpan(0, used));
                used = 0;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(used), (ulong)size);
            frame[used + 8] = (byte)bytes.Length;
            bytes.CopyTo(frame, used + 9);
            used += 9 + bytes.Length;
        }
        if (used > 0)
        {
            writer.Write(MessageType.ObjectNames, frame.AsSpan(0, used));
        }
        WriteEnd(writer, true);
    }

    public static void ReadNames(ReadOnlySpan<byte> payload, List<(string Key, long Size)> into)
    {
        var reader = new PayloadReader(payload, MessageType.ObjectNames);
        for (int left = payload.Length; left > 0;)
        {
            ulong size = reader.U64();
            int length = reader.U8();
            var key = Key(reader.Bytes(length), MessageType.ObjectNames, allowEmpty: false);
            if (size > long.MaxValue)
            {
                throw new ProtocolException($"ObjectNames lists {key} with {size} bytes");
            }
            into.Add((key, (long)size));
            left -= 9 + length;
        }
    }

    /// <summary>StoreLock: 0 shared, 1 exclusive, waiting up to <paramref name="waitMilliseconds"/>; <see cref="Release"/> lets it go.</summary>
    public static void WriteLock(FrameWriter writer, byte mode, uint waitMilliseconds)
    {
        Span<byte> payload = stackalloc byte[5];
        payload[0] = mode;
        BinaryPrimitives.WriteUInt32LittleEndian(payload[1..], waitMilliseconds);
        writer.Write(MessageType.StoreLock, payload);
    }

    public const byte Release = 0xFF;

    public static (byte Mode, uint WaitMilliseconds) ReadLock(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.StoreLock);
        byte mode = reader.U8();
        uint wait = reader.U32();
        reader.End();
        return mode is 0 or 1 or Release ? (mode, wait) : throw new ProtocolException($"StoreLock has unknown mode {mode}");
    }

    public static void WriteSelect(FrameWriter writer, string name, bool create) =>
        writer.Write(MessageType.StoreSelect, [create ? (byte)1 : (byte)0], Encoding.UTF8.GetBytes(name));

    /// <summary>The archive's relative path (checked as a database's name in a directory session is) and whether to make it.</summary>
    public static (string Name, bool Create) ReadSelect(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || payload[0] > 1)
        {
            throw new ProtocolException("StoreSelect has no flags, or unknown ones");
        }
        return (SessionMessages.CheckName(Encoding.UTF8.GetString(payload[1..])), payload[0] == 1);
    }

    private static byte[] KeyBytes(string key, MessageType type) =>
        key.Length <= MaxKeyLength && key.All(c => c is > ' ' and < (char)0x7F) ? Encoding.ASCII.GetBytes(key)
            : throw new ArgumentException($"{type}: not a key: '{key}'", nameof(key));

    private static string Key(ReadOnlySpan<byte> bytes, MessageType type, bool allowEmpty)
    {
        if (bytes.Length > MaxKeyLength || (bytes.IsEmpty && !allowEmpty))
        {
            throw new ProtocolException($"{type} names a key of {bytes.Length} bytes");
        }
        foreach (byte b in bytes)
        {
            if (b is <= (byte)' ' or >= 0x7F)
            {
                throw new ProtocolException($"{type} names a key with byte 0x{b:x2}");
            }
        }
        return Encoding.ASCII.GetString(bytes);
    }
}
