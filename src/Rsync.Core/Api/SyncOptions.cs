namespace SqlRsync;

/// <summary>How to sync. The defaults suit a scheduled backup; both sides of a sync use the options either side asks for.</summary>
public sealed record SyncOptions
{
    /// <summary>How long to wait for the replica's write lock (held by another writer or another sync), and for a busy origin. Default 30 s.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Refuse unless both databases are WAL databases.</summary>
    public bool WalOnly { get; init; }

    /// <summary>Compress pages that shrink (Brotli). Null, the default, compresses only across a network.</summary>
    public bool? Compress { get; init; }

    /// <summary>
    /// Send only the changed blocks (1/32 of a page each) of a changed page: the replica first sends
    /// 8-byte hashes of the blocks of the pages that differ, one more round trip. Null, the default:
    /// only across a network, where the link, not the disk, sets the pace.
    /// </summary>
    public bool? Delta { get; init; }

    /// <summary>Compare and report what would change; send no pages and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Receives each warning line about a side on this machine (a database on a network filesystem, where SQLite's locks do not reach other
    /// hosts); null, the default, drops them.</summary>
    public Action<string>? Warnings { get; init; }

    /// <summary>Overwrite a replica even when another process has it open and sqlrsync never wrote it, or another program changed it since sqlrsync
    /// last wrote it.</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Speak sqlite3_rsync's protocol, version 1 or 2, to a remote sqlite3_rsync (SQLite's own sync tool,
    /// started with its own arguments; 2 falls back to 1 if the peer offers only that). Null, the default:
    /// sqlrsync's protocol, unless the remote program turns out to be sqlite3_rsync, which is then run
    /// again and spoken to in version 2. Ignored by a local sync.
    /// </summary>
    public int? Sqlite3RsyncProtocol { get; init; }

    /// <summary>
    /// With several replicas (<see cref="DatabaseSync.RunToManyAsync"/>): how many are compared and sent
    /// pages at once. 0 (the default): all of them, up to the larger of 4 and the number of cores.
    /// </summary>
    public int Jobs { get; init; }

    /// <summary>
    /// How many threads a side hashes its database with, each reading through its own connection to
    /// the same snapshot. 0 (the default): the cores, shared by the sides this process runs (a replica,
    /// which hashes each page twice, gets two shares to its origin's one), at most 8; a remote agent uses
    /// its machine's cores.
    /// </summary>
    public int HashThreads { get; init; }

    /// <summary>
    /// The threads a side hashes <paramref name="pageCount"/> pages with here: no more than one per
    /// 256 pages, as a thread's own connection costs about what hashing 1 MiB does (docs/benchmarks.md,
    /// "Hashing threads").
    /// </summary>
    internal int HashThreadsFor(uint pageCount, bool replica = false)
    {
        int threads = HashThreads > 0 ? HashThreads : (replica ? _replicaShare : _originShare) is > 0 and var share ? share : DefaultHashThreads(1, 1);
        return (int)Math.Clamp(pageCount / PagesPerHashThread, 1, (uint)threads);
    }

    private const uint PagesPerHashThread = 256;

    // Threads decided by SharingCores where the user left HashThreads open; 0: a side alone on this machine.
    private int _originShare;
    private int _replicaShare;

    /// <summary>
    /// These options with the hash threads decided where the user left them open: this machine's
    /// cores shared by an origin and <paramref name="replicas"/> replicas hashing at once. A replica
    /// hashes each of its pages twice (the tree's leaf with the sync's seed, its record's term
    /// without), so it takes two shares to the origin's one (docs/benchmarks.md, "Seeded leaves").
    /// </summary>
    internal SyncOptions SharingCores(int replicas) => HashThreads > 0 ? this : this with
    {
        _originShare = DefaultHashThreads(1, 1 + 2 * replicas),
        _replicaShare = DefaultHashThreads(2, 1 + 2 * replicas),
    };

    /// <summary>
    /// This machine's cores times <paramref name="shares"/> of <paramref name="allShares"/>, rounded
    /// up, at most 8: past a few threads the memory bus, not the cores, sets the pace.
    /// </summary>
    private static int DefaultHashThreads(int shares, int allShares) =>
        Math.Clamp((Environment.ProcessorCount * shares + allShares - 1) / allShares, 1, 8);

    /// <summary>These options with compression and deltas decided where the user left them open: on across a network, off on this machine.</summary>
    internal SyncOptions ForLink(bool acrossNetwork) => this with { Compress = Compress ?? acrossNetwork, Delta = Delta ?? acrossNetwork };
}
