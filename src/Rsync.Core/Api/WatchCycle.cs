namespace SqlRsync;

/// <summary>One cycle of <see cref="DatabaseSync.WatchAsync"/>: one snapshot of the origin synced to the replicas that were due.</summary>
/// <param name="Number">Its number, from 1.</param>
/// <param name="Started">When it started (UTC).</param>
/// <param name="Lag">
/// From the first commit it carries being seen (the origin is asked every <see cref="WatchOptions.PollInterval"/>)
/// to the end of the cycle, when every replica it synced had committed; zero for a cycle that carried no commit
/// (a first cycle, or a replica tried again).
/// </param>
/// <param name="Duration">How long the cycle took.</param>
/// <param name="Replicas">How each replica of the cycle ended, in the order they were given (those not due are not in it).</param>
/// <param name="Rescan">Whether the origin's pages were all read and hashed, rather than only those that changed.</param>
public sealed record WatchCycle(int Number, DateTimeOffset Started, TimeSpan Lag, TimeSpan Duration, IReadOnlyList<SyncOutcome> Replicas, bool Rescan)
{
    /// <summary>Pages sent to all replicas of the cycle.</summary>
    public long PagesSent => Replicas.Sum(outcome => (long)(outcome.Result?.PagesSent ?? 0));

    /// <summary>Bytes of pages sent to all replicas of the cycle, as they went on the wire.</summary>
    public long BytesSent => Replicas.Sum(outcome => outcome.Result?.PageBytesOnWire ?? 0);
}
