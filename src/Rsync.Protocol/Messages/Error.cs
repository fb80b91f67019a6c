using System.Text;

namespace SqlRsync.Protocol.Messages;

/// <summary>
/// Error: why the sender gave up — a reason code (u8, the sender's failure kind; this layer does not
/// interpret it) and one line of UTF-8 text, at most 4 KiB.
/// </summary>
internal readonly record struct Error(byte Reason, string Text)
{
    public void WriteTo(FrameWriter writer)
    {
        var text = Encoding.UTF8.GetBytes(Text.ReplaceLineEndings(" "));
        writer.Write(MessageType.Error, [Reason], text.AsSpan(0, Math.Min(text.Length, ProtocolLimits.MaxErrorText)));
    }

    /// <summary>The peer's error, with any control character it holds blanked: it is printed to a terminal.</summary>
    /// <exception cref="ProtocolException">The payload has no reason code.</exception>
    public static Error Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            throw new ProtocolException("Error payload is too short");
        }
        var text = Encoding.UTF8.GetString(payload[1..Math.Min(payload.Length, 1 + ProtocolLimits.MaxErrorText)]);
        var clean = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }
        return new Error(payload[0], clean.ToString());
    }

    /// <summary>The peer's error as the exception this side fails with.</summary>
    public PeerErrorException ToException() => new(Reason, Text);
}
