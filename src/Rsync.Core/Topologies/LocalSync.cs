using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Links;

namespace SqlRsync.Topologies;

/// <summary>
/// A sync between two files on this machine: the origin on this thread, the replica on a thread of its
/// own (so both hash at once, one per core), joined by an in-process link that carries the same
/// protocol as ssh would.
/// </summary>
internal static class LocalSync
{
    /// <summary>
    /// Runs both sides; <paramref name="progress"/> follows the origin's, and its cancellation stops both
    /// (the replica only before the origin's point of no return).
    /// </summary>
    public static SyncResult Run(string originPath, string replicaPath, SyncOptions options, ProgressTracker progress)
    {
        using var replicaCancellation = new PeerCancellation(progress);
        var replicaProgress = new ProgressTracker(cancellation: replicaCancellation.Token);
        using var link = PeerLink.InProcess((input, output) => SqlRsyncReplica.Run(replicaPath, input, output, options, replicaProgress));
        return link.Converse(() => SqlRsyncOrigin.Run(originPath, link.FromPeer, link.ToPeer, options, progress));
    }
}
