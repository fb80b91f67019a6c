using SqlRsync.Roles;

namespace SqlRsync.Remote;

/// <summary>A sync with one side on another host: this process plays the local side's role against the remote agent.</summary>
internal static class RemoteSync
{
    public static SyncResult Run(SyncEndpoint origin, SyncEndpoint replica, SyncOptions options, ProgressTracker progress)
    {
        bool pull = origin is RemoteEndpoint;
        var remote = (RemoteEndpoint)(pull ? origin : replica);
        string localPath = (pull ? replica : origin).Path;
        // The local side is checked before connecting; the agent checks its own the same way.
        if (pull)
        {
            PathChecks.Replica(localPath);
        }
        else
        {
            PathChecks.Origin(localPath);
        }
        options = options with { Compress = options.Compress ?? true };
        using var agent = remote.StartAgent(pull ? AgentRole.Origin : AgentRole.Replica, options.BusyTimeout);
        // Cut off a peer that may be slow to answer — but never once the commit is under way.
        using var stop = progress.OnCancelBeforeCommit(agent.Kill);
        try
        {
            var result = pull
                ? ReplicaRole.Run(localPath, agent.FromAgent, agent.ToAgent, options, progress)
                : OriginRole.Run(localPath, agent.FromAgent, agent.ToAgent, options, progress);
            agent.Finish();
            return result;
        }
        catch (SyncException e) when (FailureText.IsRelayed(e))
        {
            throw new SyncException(e.Reason, $"{agent.Host}: {e.Message}", e.InnerException);
        }
        catch (SyncException e)
        {
            throw agent.ExplainFailure() ?? e;
        }
    }
}
