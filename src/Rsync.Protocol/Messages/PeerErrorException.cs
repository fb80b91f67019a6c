namespace SqlRsync.Protocol.Messages;

/// <summary>The peer sent an Error message: <paramref name="reason"/> is its failure kind, the message its one line.</summary>
internal sealed class PeerErrorException(byte reason, string message) : Exception(message)
{
    public byte Reason { get; } = reason;
}
