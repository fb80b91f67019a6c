using SqlRsync.Engine;

namespace SqlRsync.Links;

/// <summary>
/// The way to the other side of a conversation, however that side runs (on a thread of this process,
/// or as an agent a transport started on another host): two streams to speak on, then
/// <see cref="Finish"/> after a conversation that went well, or <see cref="Explain"/> after one that
/// failed. Knows nothing of what is said.
/// </summary>
internal abstract class PeerLink : IDisposable
{
    /// <summary>What the other side writes.</summary>
    public abstract Stream FromPeer { get; }

    /// <summary>What the other side reads.</summary>
    public abstract Stream ToPeer { get; }

    /// <summary>Runs <paramref name="peer"/> (given its input and output) on a thread of this process, over in-memory pipes.</summary>
    public static PeerLink InProcess(Action<Stream, Stream> peer) => new InProcessLink(peer);

    /// <summary>Starts the agent that serves <paramref name="remote"/> as <paramref name="request"/> asks.</summary>
    /// <exception cref="SyncException">The transport could not start it.</exception>
    public static AgentLink ToAgent(RemoteEndpoint remote, AgentRequest request) => new(remote.StartAgent(request));

    /// <summary>
    /// Runs this side's conversation over the link: after it, ends the other side's input and waits for
    /// it; when it fails, the other side's own reason replaces the broken conversation's, if it has one.
    /// </summary>
    public T Converse<T>(Func<T> side)
    {
        try
        {
            var result = side();
            Finish();
            return result;
        }
        catch (SyncException failure)
        {
            throw Explain(failure);
        }
    }

    /// <summary>
    /// Stops the other side when <paramref name="progress"/>'s sync is cancelled — but only before its
    /// point of no return: a cancelled sync never interrupts a commit.
    /// </summary>
    public CancellationTokenRegistration StopOnCancel(ProgressTracker progress) => progress.OnCancelBeforeCommit(Kill);

    /// <summary>After a conversation: ends the other side's input and waits for it to finish.</summary>
    public abstract void Finish();

    /// <summary>Stops the other side at once; it rolls back as after any failure.</summary>
    public abstract void Kill();

    /// <summary>After this side failed: the other side's own account when it has one, else <paramref name="failure"/>.</summary>
    public abstract SyncException Explain(SyncException failure);

    /// <summary>Stops the other side if it still runs, and waits until it has (a side in this process has then rolled back).</summary>
    public abstract void Dispose();
}
