namespace SqlRsync;

/// <summary>
/// Which snapshots a prune keeps (docs/archive.md, "Pruning"): the newest <see cref="KeepLast"/>, and
/// the newest of each of the newest <see cref="KeepDaily"/> days, <see cref="KeepWeekly"/> ISO weeks and
/// <see cref="KeepMonthly"/> months that have one (UTC). A snapshot any rule keeps stays; the newest
/// always stays.
/// </summary>
public sealed record SnapshotRetention
{
    /// <summary>How many of the newest snapshots to keep.</summary>
    public int KeepLast { get; init; }

    /// <summary>For how many of the newest days with a snapshot to keep that day's newest.</summary>
    public int KeepDaily { get; init; }

    /// <summary>For how many of the newest ISO weeks with a snapshot to keep that week's newest.</summary>
    public int KeepWeekly { get; init; }

    /// <summary>For how many of the newest months with a snapshot to keep that month's newest.</summary>
    public int KeepMonthly { get; init; }
}
