using System.Text;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// Error: why the sender gave up — a reason code (u8, the sender's failure kind; this layer does not
/// interpret it) and one line of UTF-8 text, at most 4 KiB.
/// </summary>
internal static class ErrorMessage
{
    public static void Write(FrameWriter writer, byte reason, string message)
    {
        var text = Encoding.UTF8.GetBytes(message.ReplaceLineEndings(" "));
        writer.Write(MessageType.Error, [reason], text.AsSpan(0, Math.Min(text.Length, ProtocolLimits.MaxErrorText)));
    }

    /// <exception cref="ProtocolException">The payload has no reason code.</exception>
    public static PeerErrorException Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            throw new ProtocolException("Error payload is too short");
        }
        var text = Encoding.UTF8.GetString(payload[1..Math.Min(payload.Length, 1 + ProtocolLimits.MaxErrorText)]);
        // Never print a peer's control characters to a terminal.
        var clean = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }
        return new PeerErrorException(payload[0], clean.ToString());
    }
}
