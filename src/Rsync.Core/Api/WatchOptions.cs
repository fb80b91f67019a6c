namespace SqlRsync;

/// <summary>How <see cref="DatabaseSync.WatchAsync"/> keeps replicas fresh.</summary>
public sealed record WatchOptions
{
    /// <summary>How each cycle syncs (the same options as a single sync).</summary>
    public SyncOptions Sync { get; init; } = new();

    /// <summary>
    /// The least time from one cycle's start to the next: commits that come faster are taken together by
    /// the next cycle, so a busy origin is not synced once per transaction. Default 100 ms.
    /// </summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The least time between two snapshots added to an archive replica (a snapshot per cycle would be too many). Default 1 hour.</summary>
    public TimeSpan SnapshotEvery { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the origin is asked whether it committed (a query on a connection kept for it). Default 10 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The wait before a replica that failed is tried again; it doubles with each failure in a row, up to 1 minute. Default 1 s.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}
