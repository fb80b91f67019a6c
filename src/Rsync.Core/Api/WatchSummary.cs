namespace SqlRsync;

/// <summary>How a watch went, once it was stopped.</summary>
/// <param name="Cycles">Cycles run.</param>
/// <param name="Rescans">Cycles that read and hashed all of the origin's pages.</param>
/// <param name="FailedSyncs">Syncs of a replica that failed (each left its replica as it was, and was tried again).</param>
public sealed record WatchSummary(int Cycles, int Rescans, int FailedSyncs);
