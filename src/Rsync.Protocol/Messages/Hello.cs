using System.Buffers.Binary;
using System.Text;

namespace SqlRsync.Protocol.Messages;

internal enum Role : byte
{
    Origin = 1,
    Replica = 2,
}

internal enum HashAlgorithm : byte
{
    Xxh3_128 = 1,
}

/// <summary>What a side can do: each side announces all it supports.</summary>
[Flags]
internal enum Capabilities : uint
{
    None = 0,
    Brotli = 1,
    /// <summary>A replica that announces this writes nothing when asked for <see cref="OptionFlags.DryRun"/>.</summary>
    DryRun = 2,
    /// <summary>An origin that announces this understands <see cref="MessageType.ReplicaWaiting"/>.</summary>
    WaitNotice = 4,
    /// <summary>A side that announces this can send or apply PageDelta (<see cref="OptionFlags.Delta"/>).</summary>
    Delta = 8,
    /// <summary>
    /// A replica that announces this sends the upper levels of its tree unasked, shaped for its own page count, and an
    /// origin that announces it reads them so and may ask a leaf check (one round trip less, or more).
    /// </summary>
    EagerHashes = 16,
}

/// <summary>What a side asks for: a side started by the user passes the user's options on.</summary>
[Flags]
internal enum OptionFlags : uint
{
    None = 0,
    WalOnly = 1,
    Compress = 2,
    /// <summary>Compare and report, but send no pages and write nothing.</summary>
    DryRun = 4,
    /// <summary>Overwrite a replica even if it is in use or was changed since sqlrsync last wrote it.</summary>
    Force = 8,
    /// <summary>Send only the blocks of a changed page that differ, when both sides can (one more round trip).</summary>
    Delta = 16,
}

/// <summary>
/// The first message of each side: "SQLRSYNC", protocol version (u16), role (u8), hash algorithm (u8),
/// capabilities (u32), options (u32). The magic and version come first so any later version can
/// still read them and name the mismatch.
/// </summary>
internal readonly record struct Hello(ushort Version, Role Role, HashAlgorithm HashAlgorithm, Capabilities Capabilities, OptionFlags Options)
{
    public const ushort CurrentVersion = 5;
    public const int Length = 20;

    public static ReadOnlySpan<byte> Magic => "SQLRSYNC"u8;

    public void WriteTo(FrameWriter writer)
    {
        Span<byte> payload = stackalloc byte[Length];
        Magic.CopyTo(payload);
        BinaryPrimitives.WriteUInt16LittleEndian(payload[8..], Version);
        payload[10] = (byte)Role;
        payload[11] = (byte)HashAlgorithm;
        BinaryPrimitives.WriteUInt32LittleEndian(payload[12..], (uint)Capabilities);
        BinaryPrimitives.WriteUInt32LittleEndian(payload[16..], (uint)Options);
        writer.Write(MessageType.Hello, payload);
    }

    public static Hello Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.Hello);
        if (payload.Length < 10 || !reader.Bytes(8).SequenceEqual(Magic))
        {
            throw new ProtocolException($"the peer is not sqlrsync (its hello starts with \"{Printable(payload[..Math.Min(8, payload.Length)])}\")");
        }
        ushort version = reader.U16();
        if (version != CurrentVersion)
        {
            throw new ProtocolException($"protocol version mismatch: this sqlrsync speaks version {CurrentVersion}, the peer speaks version " +
                $"{version}; install the same sqlrsync release on both sides");
        }
        var hello = new Hello(version, (Role)reader.U8(), (HashAlgorithm)reader.U8(), (Capabilities)reader.U32(), (OptionFlags)reader.U32());
        reader.End();
        if (!Enum.IsDefined(hello.Role))
        {
            throw new ProtocolException($"the peer announces an unknown role {(byte)hello.Role}");
        }
        if (hello.HashAlgorithm != HashAlgorithm.Xxh3_128)
        {
            throw new ProtocolException($"the peer hashes with unknown algorithm {(byte)hello.HashAlgorithm}");
        }
        return hello;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        }
        return text.ToString();
    }
}
