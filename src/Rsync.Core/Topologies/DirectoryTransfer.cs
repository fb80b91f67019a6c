using SqlRsync.Engine;
using SqlRsync.Links;

namespace SqlRsync.Topologies;

/// <summary>
/// A directory sync between two places: on this machine, the agent's side of the session runs on a
/// thread over in-memory pipes; with a remote side, one agent is started there (`sqlrsync
/// --origin-dir|--replica-dir DIR`) and every database goes over its one connection.
/// </summary>
internal static class DirectoryTransfer
{
    public static DirectorySyncResult Run(SyncEndpoint origin, SyncEndpoint replica, DirectoryOptions selection, SyncOptions options,
        IProgress<SyncProgress>? progress, CancellationToken cancellation)
    {
        if (origin is RemoteEndpoint || replica is RemoteEndpoint)
        {
            return Remotely(origin, replica, selection, options.ForLink(acrossNetwork: true), progress, cancellation);
        }
        options = options.ForLink(acrossNetwork: false).SharingCores(replicas: 1);
        var toAgent = InMemoryPipe.Create();
        var toClient = InMemoryPipe.Create();
        var agent = Task.Factory.StartNew(() =>
        {
            try
            {
                DirectorySession.Serve(replica.Path, isOrigin: false, toAgent.Reader.AsStream(), toClient.Writer.AsStream(), options);
            }
            finally
            {
                toAgent.Reader.Complete();
                toClient.Writer.Complete();
            }
        }, TaskCreationOptions.LongRunning);
        try
        {
            var result = DirectorySession.Run(origin.Path, localIsOrigin: true, toClient.Reader.AsStream(), toAgent.Writer.AsStream(), options, selection, progress, cancellation);
            agent.GetAwaiter().GetResult();
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The agent's own reason (its directory is missing, say) says more than the broken session.
            toAgent.Writer.Complete();
            toClient.Reader.Complete();
            if (agent.Exception?.InnerException is SyncException own)
            {
                throw own;
            }
            throw FailureText.Normalize(e);
        }
    }

    private static DirectorySyncResult Remotely(SyncEndpoint origin, SyncEndpoint replica, DirectoryOptions selection, SyncOptions options,
        IProgress<SyncProgress>? progress, CancellationToken cancellation)
    {
        bool pull = origin is RemoteEndpoint;
        var remote = (RemoteEndpoint)(pull ? origin : replica);
        string local = (pull ? replica : origin).Path;
        using var agent = remote.StartAgent(new AgentRequest(pull ? AgentRole.Origin : AgentRole.Replica, options.BusyTimeout, Directory: true));
        using var stop = cancellation.Register(agent.Kill);
        try
        {
            var result = DirectorySession.Run(local, localIsOrigin: !pull, agent.FromAgent, agent.ToAgent, options, selection, progress, cancellation, agent.Host);
            agent.Finish();
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException && FailureText.Normalize(e) is SyncException failure)
        {
            throw agent.ExplainFailure(failure);
        }
    }
}
