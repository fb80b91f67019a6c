namespace SqlRsync;

/// <summary>
/// A sync that failed. The replica is exactly as it was (or, if it was new, does not exist). The
/// message is one line that says what went wrong and what to do; <see cref="Reason"/> says it for programs.
/// </summary>
public sealed class SyncException : Exception
{
    /// <summary>A failure for <paramref name="reason"/>, described by <paramref name="message"/> (one line).</summary>
    public SyncException(SyncFailure reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the sync failed.</summary>
    public SyncFailure Reason { get; }
}
