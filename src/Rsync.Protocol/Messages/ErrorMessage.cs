using System.Text;

namespace Rsync.Protocol.Messages;

/// <summary>Error: one line of UTF-8 text, at most 4 KiB, that says why the sender gave up.</summary>
public static class ErrorMessage
{
    public static void Write(FrameWriter writer, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ReplaceLineEndings(" "));
        writer.Write(MessageType.Error, bytes.AsSpan(0, Math.Min(bytes.Length, ProtocolLimits.MaxErrorText)));
    }

    public static string Parse(ReadOnlySpan<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, ProtocolLimits.MaxErrorText)]);
        // Never print a peer's control characters to a terminal.
        var clean = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }
        return clean.ToString();
    }
}
