namespace SqlRsync;

/// <summary>What one side saw of a finished sync (a local sync reports the origin's side).</summary>
public sealed record SyncResult
{
    /// <summary>The snapshot a sync into an archive added, or the one a restore read; null for a sync between databases.</summary>
    public SnapshotInfo? Snapshot { get; init; }

    /// <summary>Bytes per page of both databases.</summary>
    public int PageSize { get; init; }

    /// <summary>The origin's page count in the snapshot that was copied.</summary>
    public uint OriginPageCount { get; init; }

    /// <summary>The replica's page count before the sync (0 when it was new or empty).</summary>
    public uint ReplicaPageCountBefore { get; init; }

    /// <summary>
    /// The replica's page size before the sync when it differed from the origin's (the origin ran
    /// PRAGMA page_size and VACUUM): the replica was rebuilt whole beside the old file and swapped in
    /// (in a dry run: would be). 0 otherwise.
    /// </summary>
    public int ReplacedPageSize { get; init; }

    /// <summary>Whether this was a dry run: nothing was sent or written, and the page figures say what would have been.</summary>
    public bool DryRun { get; init; }

    /// <summary>Pages sent from origin to replica (in a dry run: that would have been sent).</summary>
    public uint PagesSent { get; init; }

    /// <summary>Bytes of the pages sent, before compression.</summary>
    public long PageBytesRaw { get; init; }

    /// <summary>Bytes of the pages sent, as they went on the wire.</summary>
    public long PageBytesOnWire { get; init; }

    /// <summary>Protocol bytes this side sent, headers included.</summary>
    public long BytesWritten { get; init; }

    /// <summary>Protocol bytes this side received, headers included.</summary>
    public long BytesRead { get; init; }

    /// <summary>
    /// Pages of the origin read by this process: every page once to hash it (when the replica had pages
    /// to compare), the pages under each differing level-1 node of the hash tree once more to compare
    /// them (page hashes are not kept), and the pages sent. In a sync to several replicas it counts the
    /// one read for all of them. 0 when the origin is on the other side.
    /// </summary>
    public long OriginPagesRead { get; init; }

    /// <summary>Hashes the replica sent for comparison (hash-tree nodes; in sqlite3_rsync's protocol, page and range hashes).</summary>
    public long Hashes { get; init; }

    /// <summary>Rounds of hashes the replica sent: one per hash-tree level compared (sqlite3_rsync's "hash-rounds").</summary>
    public int HashRounds { get; init; }

    /// <summary>Times this side waited for the other's answer: the handshake, each hash-tree level, the commit.</summary>
    public int RoundTrips { get; init; }

    /// <summary>The protocol spoken: "sqlrsync", or "sqlite3_rsync 2" or "sqlite3_rsync 1" with a sqlite3_rsync peer.</summary>
    public string Protocol { get; init; } = "sqlrsync";

    /// <summary>Whether the replica ends (or, in a dry run, already is) page for page the origin.</summary>
    public bool Identical => PagesSent == 0 && ReplicaPageCountBefore == OriginPageCount;

    /// <summary>How long this side spent in each phase.</summary>
    public required PhaseTimes Phases { get; init; }

    /// <summary>How long the origin took to hash its pages, and how many bytes (zero when it had nothing to compare with).</summary>
    public HashingTotals OriginHashing { get; init; }

    /// <summary>How long the replica took to hash its pages, and how many bytes (zero when it was new).</summary>
    public HashingTotals ReplicaHashing { get; init; }
}

/// <summary>How long one side spent hashing, comparing hash trees, sending or receiving pages, and committing.</summary>
/// <param name="Hashing">Reading and hashing pages.</param>
/// <param name="Comparing">Exchanging and comparing hash-tree levels.</param>
/// <param name="Sending">Sending or receiving pages.</param>
/// <param name="Committing">Waiting for, or making, the commit.</param>
public sealed record PhaseTimes(TimeSpan Hashing, TimeSpan Comparing, TimeSpan Sending, TimeSpan Committing);

/// <summary>How much one side hashed, and how long that took.</summary>
/// <param name="Bytes">Bytes of pages read and hashed.</param>
/// <param name="Time">Time spent.</param>
public readonly record struct HashingTotals(long Bytes, TimeSpan Time)
{
    /// <summary>Bytes per second, or 0 when nothing was hashed.</summary>
    public double BytesPerSecond => Time <= TimeSpan.Zero ? 0 : Bytes / Time.TotalSeconds;
}
