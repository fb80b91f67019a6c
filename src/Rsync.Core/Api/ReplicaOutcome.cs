namespace SqlRsync;

/// <summary>How one replica of a sync to several replicas ended: its result, or why it failed (it is then exactly as it was).</summary>
/// <param name="Replica">The replica, as given.</param>
/// <param name="Result">The replica's figures when it synced; null when it failed.</param>
/// <param name="Failure">Why it failed; null when it synced.</param>
public sealed record ReplicaOutcome(SyncEndpoint Replica, SyncResult? Result, SyncException? Failure)
{
    /// <summary>Whether this replica now holds the origin's snapshot (or, in a dry run, was compared).</summary>
    public bool Succeeded => Failure is null;
}
