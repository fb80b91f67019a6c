using SqlRsync.Engine;

namespace SqlRsync;

/// <summary>
/// sqlrsync's agent on another host for one sync, as a transport started it
/// (<see cref="RemoteEndpoint.StartAgent"/>): the streams it speaks the protocol on, and what the
/// transport knows when the conversation fails (ssh's own error, a missing program, a noisy login).
/// A transport of your own derives from it; it knows nothing of the protocol.
/// </summary>
public abstract class RemoteAgent : IDisposable
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

    /// <summary>
    /// Once a conversation failed (after <see cref="ExplainBreak"/>): whether the remote program was
    /// sqlite3_rsync, refusing our agent's arguments; sqlrsync then starts it again in its own protocol.
    /// </summary>
    public virtual bool IsSqlite3Rsync => false;

    /// <summary>
    /// After a failed conversation: why, in one line. The agent's own reason, relayed in the protocol,
    /// is prefixed with the host; anything else is explained by the transport (<see cref="ExplainBreak"/>).
    /// </summary>
    internal SyncException ExplainFailure(SyncException failure) =>
        FailureText.IsRelayed(failure) ? FailureText.FromHost(Host, failure) : ExplainBreak(failure);

    /// <summary>After a conversation that broke without the agent's reason: the transport's words, or <paramref name="failure"/> with what the
    /// remote side last said.</summary>
    /// <param name="failure">How the conversation broke, as this side saw it.</param>
    protected abstract SyncException ExplainBreak(SyncException failure);

    /// <summary>Stops the agent if it still runs, and lets go of the connection.</summary>
    public abstract void Dispose();
}
