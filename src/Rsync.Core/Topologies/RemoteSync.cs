using SqlRsync.Dialects;
using SqlRsync.Dialects.Sqlite3Rsync;
using SqlRsync.Engine;
using SqlRsync.Links;
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
                throw new ArgumentOutOfRangeException(nameof(options),
                    $"sqlite3_rsync's protocol has versions 1 and {Sqlite3RsyncProtocol.LatestVersion}, not {version}");
            }
            return WithSqlite3Rsync(remote, role, localPath, options, progress, (byte)version);
        }
        options = options.ForLink(acrossNetwork: true);
        var request = new AgentRequest(role, remote.Path) { BusyTimeout = options.BusyTimeout };
        using (var link = PeerLink.ToAgent(remote, request))
        {
            try
            {
                return Converse(link, progress, () => pull
                    ? SqlRsyncReplica.Run(localPath, link.FromPeer, link.ToPeer, options, progress)
                    : SqlRsyncOrigin.Run(localPath, link.FromPeer, link.ToPeer, options, progress));
            }
            catch (SyncException) when (link.Agent.IsSqlite3Rsync)
            {
                // The remote program is sqlite3_rsync, which refused our agent's arguments.
            }
        }
        return WithSqlite3Rsync(remote, role, localPath, options, progress, Sqlite3RsyncProtocol.LatestVersion);
    }

    private static SyncResult WithSqlite3Rsync(RemoteEndpoint remote, AgentRole role, string localPath, SyncOptions options,
        ProgressTracker progress, byte version)
    {
        var request = new AgentRequest(role, remote.Path)
        {
            BusyTimeout = options.BusyTimeout,
            Sqlite3Rsync = true,
            OtherName = Path.GetFileName(localPath),
            WalOnly = options.WalOnly,
        };
        using var link = PeerLink.ToAgent(remote, request);
        return Converse(link, progress, () => role == AgentRole.Origin
            ? Sqlite3RsyncReplica.Run(localPath, link.FromPeer, link.ToPeer, options, progress, version)
            : Sqlite3RsyncOrigin.Run(localPath, link.FromPeer, link.ToPeer, options, progress, version));
    }

    /// <summary>This side's conversation with the agent, which a cancellation cuts off — but never once the commit is under way.</summary>
    private static SyncResult Converse(AgentLink link, ProgressTracker progress, Func<SyncResult> side)
    {
        using var stop = link.StopOnCancel(progress);
        return link.Converse(side);
    }
}
