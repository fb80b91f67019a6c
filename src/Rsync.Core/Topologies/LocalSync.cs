using System.IO.Pipelines;
using SqlRsync.Dialects;
using SqlRsync.Engine;
using SqlRsync.Links;

namespace SqlRsync.Topologies;

/// <summary>
/// A sync between two files on this machine: the origin and the replica roles run on two threads (so
/// both hash at once, one per core), joined by an in-memory duplex pipe that speaks the same protocol
/// as ssh would carry.
/// </summary>
internal static class LocalSync
{
    /// <summary>
    /// Runs both sides; <paramref name="progress"/> follows the origin's, and its cancellation stops both
    /// (the replica only before the origin's point of no return): a side that stops closes its pipes,
    /// which ends the other side's wait.
    /// </summary>
    public static SyncResult Run(string originPath, string replicaPath, SyncOptions options, ProgressTracker progress)
    {
        var toReplica = InMemoryPipe.Create();
        var toOrigin = InMemoryPipe.Create();
        using var replicaCancellation = new PeerCancellation(progress);
        var replicaProgress = new ProgressTracker(cancellation: replicaCancellation.Token);

        var origin = Task.Factory.StartNew(
            () => RunSide(() => OriginRole.Run(originPath, toOrigin.Reader.AsStream(), toReplica.Writer.AsStream(), options, progress), toOrigin.Reader, toReplica.Writer),
            TaskCreationOptions.LongRunning);
        var replica = Task.Factory.StartNew(
            () => RunSide(() => ReplicaRole.Run(replicaPath, toReplica.Reader.AsStream(), toOrigin.Writer.AsStream(), options, replicaProgress), toReplica.Reader, toOrigin.Writer),
            TaskCreationOptions.LongRunning);
        try
        {
            Task.WaitAll(origin, replica);
        }
        catch (AggregateException)
        {
            // Report the side that failed first-hand, not the one that heard of it from its peer.
            var errors = new[] { origin, replica }.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
            var cause = errors.FirstOrDefault(e => !FailureText.IsRelayed(e)) ?? errors[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
        }
        return origin.Result;
    }

    /// <summary>Runs one side and then closes its ends of both pipes, so a peer that still waits sees the end.</summary>
    private static SyncResult RunSide(Func<SyncResult> side, PipeReader input, PipeWriter output)
    {
        try
        {
            return side();
        }
        finally
        {
            input.Complete();
            output.Complete();
        }
    }
}
