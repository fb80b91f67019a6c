namespace Rsync.Core.Sync;

/// <summary>A sync that failed for a reason a user can act on; the message is one line that says what to do.</summary>
public sealed class SyncException(string message, Exception? inner = null) : Exception(message, inner);
