using System.Text;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// The messages of a directory session, which carries the conversations of many databases over one
/// connection, one after the other: the list of the agent's databases, then for each database a
/// DatabaseStart, that database's own conversation (Hello ... Committed, or an Error), and a
/// DatabaseEnd from each side, after which both are at the same place again. Names are relative
/// paths ('/' between directories), checked by <see cref="CheckName"/> on arrival.
/// </summary>
internal static class SessionMessages
{
    /// <summary>Names in one DatabaseNames frame, at most; more go in further frames.</summary>
    private const int NamesPerFrame = 64;

    public static void WriteListRequest(FrameWriter writer, bool recursive) => writer.Write(MessageType.ListDatabases, [recursive ? (byte)1 : (byte)0]);

    public static bool ParseListRequest(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, MessageType.ListDatabases);
        byte flags = reader.U8();
        reader.End();
        if (flags > 1)
        {
            throw new ProtocolException($"ListDatabases has unknown flags 0x{flags:x2}");
        }
        return flags == 1;
    }

    /// <summary>All of <paramref name="names"/>, in frames of at most <see cref="NamesPerFrame"/>, then DatabaseNamesEnd.</summary>
    public static void WriteNames(FrameWriter writer, IReadOnlyList<string> names)
    {
        for (int first = 0; first < names.Count; first += NamesPerFrame)
        {
            var chunk = string.Join('\0', names.Skip(first).Take(NamesPerFrame));
            writer.Write(MessageType.DatabaseNames, Encoding.UTF8.GetBytes(chunk));
        }
        writer.Write(MessageType.DatabaseNamesEnd, []);
    }

    /// <summary>Reads DatabaseNames frames up to DatabaseNamesEnd; each name checked.</summary>
    public static List<string> ReadNames(FrameReader reader, int limit)
    {
        var names = new List<string>();
        while (true)
        {
            var (type, payload) = reader.Read();
            if (type == MessageType.DatabaseNamesEnd)
            {
                new PayloadReader(payload.Span, type).End();
                return names;
            }
            ExpectedFrame.Check(type, MessageType.DatabaseNames, payload.Span);
            foreach (var name in Encoding.UTF8.GetString(payload.Span).Split('\0'))
            {
                names.Add(CheckName(name));
                if (names.Count > limit)
                {
                    throw new ProtocolException($"the peer lists more than {limit} databases");
                }
            }
        }
    }

    public static void WriteDelete(FrameWriter writer, string name, bool force, bool dryRun) =>
        writer.Write(MessageType.DatabaseDelete, [(byte)((force ? 1 : 0) | (dryRun ? 2 : 0))], Encoding.UTF8.GetBytes(name));

    public static (string Name, bool Force, bool DryRun) ParseDelete(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || payload[0] > 3)
        {
            throw new ProtocolException("DatabaseDelete has no flags, or unknown ones");
        }
        return (CheckName(Encoding.UTF8.GetString(payload[1..])), (payload[0] & 1) != 0, (payload[0] & 2) != 0);
    }

    public static void WriteStart(FrameWriter writer, string name) => writer.Write(MessageType.DatabaseStart, Encoding.UTF8.GetBytes(name));

    public static string ParseStart(ReadOnlySpan<byte> payload) => CheckName(Encoding.UTF8.GetString(payload));

    /// <summary>
    /// A relative path inside the session's directory: not empty, no leading '/', no "." or ".." part,
    /// no empty part, no control character (a newline in a name is refused, never passed on).
    /// </summary>
    public static string CheckName(string name)
    {
        if (name.Length == 0 || name.Length > 4096 || name.StartsWith('/') || name.Any(char.IsControl)
            || name.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ProtocolException($"the peer names a database \"{new string([.. name.Take(80).Select(c => char.IsControl(c) ? '?' : c)])}\" " +
                "that is not a plain relative path");
        }
        return name;
    }
}
