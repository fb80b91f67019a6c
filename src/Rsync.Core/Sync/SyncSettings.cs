namespace Rsync.Core.Sync;

/// <summary>What the user asked for. Agents started over ssh get theirs from the peer's hello.</summary>
/// <param name="BusyTimeout">How long to wait for the replica's write lock (and a busy origin).</param>
/// <param name="WalOnly">Refuse unless both databases are WAL databases.</param>
/// <param name="Compress">Ask for compressed pages.</param>
/// <param name="DryRun">Compare and report only: send no pages, write nothing.</param>
/// <param name="Force">Overwrite a replica that looks like a live database or that another program changed since sqlrsync wrote it.</param>
public sealed record SyncSettings(TimeSpan BusyTimeout, bool WalOnly = false, bool Compress = false, bool DryRun = false, bool Force = false)
{
    public static SyncSettings Default { get; } = new(TimeSpan.FromSeconds(30));
}
