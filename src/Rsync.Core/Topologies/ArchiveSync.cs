using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Engine.Archives;
using SqlRsync.Links;

namespace SqlRsync.Topologies;

/// <summary>
/// Syncs with a snapshot archive on one side, in our protocol, exactly as between databases: adding a
/// snapshot is a sync whose replica is the archive (<see cref="ArchiveReplicaSession"/>), restoring one
/// is a sync whose origin is the snapshot (<see cref="SnapshotOriginSession"/>). The archive is always
/// worked on in this process; the database side is local (a thread of this process) or a remote agent.
/// </summary>
internal static class ArchiveSync
{
    /// <summary>
    /// Adds a snapshot of <paramref name="origin"/> to <paramref name="archive"/> (made if it does not
    /// exist); <paramref name="open"/>, when given, opens it in place of the endpoint (an archive of a
    /// session already open).
    /// </summary>
    public static SyncResult Add(SyncEndpoint origin, ArchiveEndpoint archive, SyncOptions options, ProgressTracker progress,
        Func<SnapshotArchive>? open = null)
    {
        string database = Path.GetFileName(origin.Path);
        SnapshotInfo? added = null;
        SyncResult result;
        if (origin is RemoteEndpoint remote)
        {
            var settings = options.ForLink(acrossNetwork: true);
            using var link = PeerLink.ToAgent(remote, new AgentRequest(AgentRole.Origin, remote.Path) { BusyTimeout = settings.BusyTimeout });
            using var stop = link.StopOnCancel(progress);
            result = link.Converse(() => Replica(archive, database, link.FromPeer, link.ToPeer, settings, progress, snapshot => added = snapshot,
                open));
        }
        else
        {
            PathChecks.Origin(origin.Path);
            var settings = options.ForLink(acrossNetwork: false);
            using var replicaCancellation = new PeerCancellation(progress);
            var replicaProgress = new ProgressTracker(cancellation: replicaCancellation.Token);
            using var link = PeerLink.InProcess((input, output) => Replica(archive, database, input, output, settings, replicaProgress,
                snapshot => added = snapshot, open));
            result = link.Converse(() => SqlRsyncOrigin.Run(origin.Path, link.FromPeer, link.ToPeer, settings, progress));
        }
        return result with { Snapshot = added };
    }

    /// <summary>
    /// The archive's side of a sync that adds a snapshot of the database <paramref name="database"/> (its
    /// file name), over a pair of streams; <paramref name="added"/> hears of the snapshot once it is written.
    /// </summary>
    public static SyncResult Replica(ArchiveEndpoint archive, string database, Stream input, Stream output, SyncOptions options,
        ProgressTracker progress, Action<SnapshotInfo> added, Func<SnapshotArchive>? open = null)
    {
        // A dry run makes nothing, not even the archive.
        using var opened = open?.Invoke()
            ?? (options.DryRun ? ArchiveAccess.Open(archive, options.BusyTimeout) : ArchiveAccess.OpenOrCreate(archive, options.BusyTimeout));
        ArchiveReplicaSession? session = null;
        var result = SqlRsyncReplica.Run(archive.Path, (file, choices, _, run) =>
            session = ArchiveReplicaSession.Open(opened, database, file, choices.DryRun, options.BusyTimeout, run),
            new SqlRsyncConversation(input, output, Protocol.Messages.Role.Replica), options, progress);
        if (session?.Added is { } snapshot)
        {
            added(snapshot.ToInfo());
        }
        return result;
    }

    /// <summary>Restores the snapshot of <paramref name="archive"/> that <see cref="ArchiveEndpoint.At"/> names into <paramref name="replica"/>.</summary>
    public static SyncResult Restore(ArchiveEndpoint archive, SyncEndpoint replica, SyncOptions options, ProgressTracker progress)
    {
        using var opened = ArchiveAccess.Open(archive, options.BusyTimeout);
        SnapshotOriginSession? session = null;
        Func<IOriginSession> open = () => session = SnapshotOriginSession.Open(opened, archive.At, options.BusyTimeout, progress.Cancellation);
        SyncResult result;
        if (replica is RemoteEndpoint remote)
        {
            var settings = options.ForLink(acrossNetwork: true);
            using var link = PeerLink.ToAgent(remote, new AgentRequest(AgentRole.Replica, remote.Path) { BusyTimeout = settings.BusyTimeout });
            using var stop = link.StopOnCancel(progress);
            result = link.Converse(() => SqlRsyncOrigin.Run(archive.ToString(), open, new SqlRsyncConversation(link.FromPeer, link.ToPeer,
                Protocol.Messages.Role.Origin), settings, progress));
        }
        else
        {
            PathChecks.Replica(replica.Path);
            var settings = options.ForLink(acrossNetwork: false).SharingCores(replicas: 1);
            using var replicaCancellation = new PeerCancellation(progress);
            var replicaProgress = new ProgressTracker(cancellation: replicaCancellation.Token);
            using var link = PeerLink.InProcess((input, output) => SqlRsyncReplica.Run(replica.Path, input, output, settings, replicaProgress));
            result = link.Converse(() => SqlRsyncOrigin.Run(archive.ToString(), open, new SqlRsyncConversation(link.FromPeer, link.ToPeer,
                Protocol.Messages.Role.Origin), settings, progress));
        }
        return result with { Snapshot = session?.Snapshot.ToInfo() };
    }
}
