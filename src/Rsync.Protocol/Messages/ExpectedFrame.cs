namespace SqlRsync.Protocol.Messages;

/// <summary>The check every message reader makes first: is this the frame type the protocol expects here?</summary>
internal static class ExpectedFrame
{
    /// <summary>Fails on anything but <paramref name="expected"/>, relaying the peer's own Error text.</summary>
    public static void Check(MessageType actual, MessageType expected, ReadOnlySpan<byte> payload)
    {
        if (actual == MessageType.Error)
        {
            throw Error.Parse(payload).ToException();
        }
        if (actual != expected)
        {
            throw new ProtocolException($"expected {expected} but the peer sent {actual}");
        }
    }
}
