using System.IO.Pipelines;
using Rsync.Protocol.Messages;

namespace Rsync.Core.Sync;

/// <summary>
/// A sync between two local files: the origin and the replica roles run on two threads (so both
/// hash at once, one per core), joined by an in-memory duplex pipe that speaks the same protocol
/// as ssh would carry.
/// </summary>
public static class LocalSync
{
    /// <summary>Runs both sides; <paramref name="progress"/>, if given, follows the origin's.</summary>
    public static SyncResult Run(string originPath, string replicaPath, SyncSettings settings, SyncProgress? progress = null)
    {
        var toReplica = new Pipe();
        var toOrigin = new Pipe();

        var origin = Task.Factory.StartNew(
            () => RunSide(() => OriginRole.Run(originPath, toOrigin.Reader.AsStream(), toReplica.Writer.AsStream(), settings, progress), toOrigin.Reader, toReplica.Writer),
            TaskCreationOptions.LongRunning);
        var replica = Task.Factory.StartNew(
            () => RunSide(() => ReplicaRole.Run(replicaPath, toReplica.Reader.AsStream(), toOrigin.Writer.AsStream(), settings), toReplica.Reader, toOrigin.Writer),
            TaskCreationOptions.LongRunning);

        try
        {
            Task.WaitAll(origin, replica);
        }
        catch (AggregateException)
        {
            // Report the side that failed first-hand, not the one that heard of it from its peer.
            var errors = new[] { origin, replica }.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
            var cause = errors.FirstOrDefault(e => e is not PeerErrorException) ?? errors[0];
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
