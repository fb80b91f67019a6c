namespace SqlRsync.Links;

/// <summary>The other side as an agent a transport started on another host (<see cref="RemoteEndpoint"/>).</summary>
internal sealed class AgentLink(RemoteAgent agent) : PeerLink
{
    /// <summary>The agent, for what only it knows: its host, and whether it turned out to be sqlite3_rsync.</summary>
    public RemoteAgent Agent => agent;

    public override Stream FromPeer => agent.FromAgent;

    public override Stream ToPeer => agent.ToAgent;

    public override void Finish() => agent.Finish();

    public override void Kill() => agent.Kill();

    public override SyncException Explain(SyncException failure) => agent.ExplainFailure(failure);

    public override void Dispose() => agent.Dispose();
}
