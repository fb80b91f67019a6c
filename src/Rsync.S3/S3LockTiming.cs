namespace SqlRsync.S3;

/// <summary>
/// How an archive's lock in object storage is kept: its holder rewrites its lock object every
/// <paramref name="Refresh"/>, and a lock object older than <paramref name="StaleAfter"/> than the
/// newest one is taken for a holder that died (killed, or its machine gone) and is removed. Other
/// takers back off for a random time up to <paramref name="LongestBackOff"/> between tries.
/// </summary>
/// <param name="Refresh">How often a held lock's object is written again.</param>
/// <param name="StaleAfter">How long after its last write a lock object no longer counts.</param>
/// <param name="LongestBackOff">The longest pause between two tries to take the lock.</param>
internal sealed record S3LockTiming(TimeSpan Refresh, TimeSpan StaleAfter, TimeSpan LongestBackOff)
{
    /// <summary>A minute between writes, five minutes to be stale: four refreshes may fail (a slow or flaky server) before others take over.</summary>
    public static S3LockTiming Default { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(2));

    /// <summary>
    /// What stands in for the lock on an add (<see cref="Storage.ObjectStore.PruneGrace"/>): an hour, so that an add
    /// has twenty minutes before it must take the lock, and clocks of the machines that prune may be minutes apart.
    /// </summary>
    public TimeSpan PruneGrace { get; init; } = TimeSpan.FromHours(1);
}
