namespace SqlRsync.Links;

/// <summary>
/// A remote agent kept from one conversation to the next (a watch's cycles with a replica on another
/// host): one agent, started with <see cref="AgentRequest.Cycles"/>, serves them all over one ssh
/// session, keeping the replica's tree in memory between them, so that a cycle neither starts a
/// process nor hashes the replica again. A conversation that went well leaves the agent waiting for
/// the next; one that failed (or was killed, or never finished) stops it, and the next starts another.
/// </summary>
internal sealed class KeptAgent(RemoteEndpoint remote) : IDisposable
{
    private AgentLink? _agent;

    /// <summary>The link for the next conversation: the kept agent, or one started for <paramref name="request"/>.</summary>
    /// <exception cref="SyncException">The transport could not start it.</exception>
    public PeerLink Next(AgentRequest request) => new Conversation(this, _agent ??= PeerLink.ToAgent(remote, request with { Cycles = true }));

    /// <summary>Ends the agent's input between conversations, so that it exits, and waits for it.</summary>
    public void Dispose()
    {
        var agent = _agent;
        _agent = null;
        if (agent is null)
        {
            return;
        }
        try
        {
            agent.Finish();
        }
        catch (SyncException)
        {
            // It went away on its own; there is nothing left to end.
        }
        finally
        {
            agent.Dispose();
        }
    }

    /// <summary>Stops <paramref name="agent"/> and forgets it, once: a failed conversation drops it more than once (explained, then disposed).</summary>
    private void Drop(AgentLink agent)
    {
        if (ReferenceEquals(_agent, agent))
        {
            _agent = null;
            agent.Dispose();
        }
    }

    /// <summary>One conversation over the kept agent.</summary>
    private sealed class Conversation(KeptAgent owner, AgentLink agent) : PeerLink
    {
        private bool _finished;

        public override Stream FromPeer => agent.FromPeer;

        public override Stream ToPeer => agent.ToPeer;

        /// <summary>The conversation went well: the agent stays, waiting for the next one.</summary>
        public override void Finish() => _finished = true;

        /// <summary>Stops the agent; the conversation did not finish, so disposing it forgets the agent.</summary>
        public override void Kill() => agent.Kill();

        public override SyncException Explain(SyncException failure)
        {
            var explained = agent.Explain(failure);
            owner.Drop(agent);
            return explained;
        }

        public override void Dispose()
        {
            if (!_finished)
            {
                owner.Drop(agent);
            }
        }
    }
}
