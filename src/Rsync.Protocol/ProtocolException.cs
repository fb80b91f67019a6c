namespace SqlRsync.Protocol;

/// <summary>The peer broke the protocol: bad bytes, a bad length, an unexpected message, or it went away.</summary>
internal sealed class ProtocolException(string message) : Exception(message);
