namespace SqlRsync;

/// <summary>
/// sqlrsync's agent on another host for one sync, as a transport started it: the streams it speaks the
/// protocol on, and what the transport knows when the conversation fails (ssh's own error, a missing
/// program, a noisy login). Knows nothing of the protocol.
/// </summary>
internal abstract class RemoteAgent : IDisposable
{
    /// <summary>The host's name as the user gave it, to prefix the agent's messages with.</summary>
    public abstract string Host { get; }

    /// <summary>What the agent writes; the local role reads it.</summary>
    public abstract Stream FromAgent { get; }

    /// <summary>What the agent reads; the local role writes it.</summary>
    public abstract Stream ToAgent { get; }

    /// <summary>After a sync: ends the agent's input and waits for it to exit.</summary>
    public abstract void Finish();

    /// <summary>Stops the agent at once (a cancelled sync); its side rolls back as after any failure.</summary>
    public abstract void Kill();

    /// <summary>After <see cref="ExplainFailure"/>: whether the remote program was sqlite3_rsync, refusing our agent's arguments.</summary>
    public virtual bool IsSqlite3Rsync => false;

    /// <summary>
    /// After a failed conversation: why, in one line. The agent's own reason, relayed in the protocol,
    /// is prefixed with the host; anything else is explained by the transport (<see cref="ExplainBreak"/>).
    /// </summary>
    public SyncException ExplainFailure(SyncException failure) =>
        SqlRsync.Engine.FailureText.IsRelayed(failure) ? SqlRsync.Engine.FailureText.FromHost(Host, failure) : ExplainBreak(failure);

    /// <summary>After a conversation that broke without the agent's reason: the transport's words, or <paramref name="failure"/> with what the remote side last said.</summary>
    protected abstract SyncException ExplainBreak(SyncException failure);

    public abstract void Dispose();
}
