using SqlRsync.Engine;
using SqlRsync.Links;

namespace SqlRsync.Topologies;

/// <summary>
/// A directory sync between two places, over one link to the agent's side of the session: on this
/// machine it runs on a thread of this process; with a remote side, one agent is started there
/// (`sqlrsync --origin-dir|--replica-dir DIR`) and every database goes over its one connection.
/// </summary>
internal static class DirectoryTransfer
{
    public static DirectorySyncResult Run(SyncEndpoint origin, SyncEndpoint replica, DirectoryOptions selection, SyncOptions options,
        IProgress<SyncProgress>? progress, CancellationToken cancellation)
    {
        bool pull = origin is RemoteEndpoint;
        var remote = (pull ? origin : replica) as RemoteEndpoint;
        var local = pull ? replica : origin;
        options = remote is null ? options.ForLink(acrossNetwork: false).SharingCores(replicas: 1) : options.ForLink(acrossNetwork: true);
        var sessionOptions = options;
        using var agent = remote is null
            ? PeerLink.InProcess((input, output) => DirectorySession.Serve(replica.Path, isOrigin: false, input, output, sessionOptions))
            : PeerLink.ToAgent(remote, new AgentRequest(pull ? AgentRole.Origin : AgentRole.Replica, remote.Path)
            {
                BusyTimeout = options.BusyTimeout,
                Directory = true,
            });
        try
        {
            return agent.Converse(() => DirectorySession.Run(local.Path, localIsOrigin: !pull, agent, sessionOptions, selection, progress,
                cancellation, (agent as AgentLink)?.Agent.Host));
        }
        catch (Exception e) when (e is not (OperationCanceledException or SyncException) && FailureText.Normalize(e) is SyncException failure)
        {
            // The session broke (a protocol error, a lost connection): the agent's own reason says more.
            throw agent.Explain(failure);
        }
    }
}
