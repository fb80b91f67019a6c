namespace Rsync.Protocol.Messages;

/// <summary>The peer sent an Error message: its text is the reason.</summary>
public sealed class PeerErrorException(string message) : Exception(message);
