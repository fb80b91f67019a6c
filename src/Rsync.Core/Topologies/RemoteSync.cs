using SqlRsync.Dialects;
using SqlRsync.Dialects.Sqlite3Rsync;
using SqlRsync.Engine;
using SqlRsync.Protocol.Sqlite3Rsync;

namespace SqlRsync.Topologies;

/// <summary>
/// A sync with one side on another host: this process plays the local side's role against the remote
/// agent — sqlrsync's, in our protocol, or sqlite3_rsync, in its own: when asked to
/// (<see cref="SyncOptions.Sqlite3RsyncProtocol"/>), or when the remote program turns out to be
/// sqlite3_rsync (it refuses our agent's arguments), in which case it is started again with its own.
/// </summary>
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
        var role = pull ? AgentRole.Origin : AgentRole.Replica;
        if (options.Sqlite3RsyncProtocol is { } version)
        {
            if (version is < 1 or > Sqlite3RsyncProtocol.LatestVersion)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"sqlite3_rsync's protocol has versions 1 and {Sqlite3RsyncProtocol.LatestVersion}, not {version}");
            }
            return WithSqlite3Rsync(remote, role, localPath, options, progress, (byte)version);
        }
        options = options.ForLink(acrossNetwork: true);
        bool remoteIsSqlite3Rsync = false;
        try
        {
            return Converse(remote, new AgentRequest(role, options.BusyTimeout), progress, agent => pull
                ? ReplicaRole.Run(localPath, agent.FromAgent, agent.ToAgent, options, progress)
                : OriginRole.Run(localPath, agent.FromAgent, agent.ToAgent, options, progress), out remoteIsSqlite3Rsync);
        }
        catch (SyncException) when (remoteIsSqlite3Rsync)
        {
            return WithSqlite3Rsync(remote, role, localPath, options, progress, Sqlite3RsyncProtocol.LatestVersion);
        }
    }

    private static SyncResult WithSqlite3Rsync(RemoteEndpoint remote, AgentRole role, string localPath, SyncOptions options, ProgressTracker progress, byte version)
    {
        var request = new AgentRequest(role, options.BusyTimeout, Sqlite3Rsync: true, OtherName: Path.GetFileName(localPath), WalOnly: options.WalOnly);
        return Converse(remote, request, progress, agent => role == AgentRole.Origin
            ? Sqlite3RsyncReplica.Run(localPath, agent.FromAgent, agent.ToAgent, options, progress, version)
            : Sqlite3RsyncOrigin.Run(localPath, agent.FromAgent, agent.ToAgent, options, progress, version), out _);
    }

    private static SyncResult Converse(RemoteEndpoint remote, AgentRequest request, ProgressTracker progress, Func<RemoteAgent, SyncResult> side, out bool remoteIsSqlite3Rsync)
    {
        remoteIsSqlite3Rsync = false;
        using var agent = remote.StartAgent(request);
        // Cut off a peer that may be slow to answer — but never once the commit is under way.
        using var stop = progress.OnCancelBeforeCommit(agent.Kill);
        try
        {
            var result = side(agent);
            agent.Finish();
            return result;
        }
        catch (SyncException e)
        {
            var explained = agent.ExplainFailure(e);
            remoteIsSqlite3Rsync = !request.Sqlite3Rsync && agent.IsSqlite3Rsync;
            throw explained;
        }
    }
}
