using SqlRsync.Protocol.Messages;

namespace SqlRsync.Engine;

/// <summary>Everything one side learns about a sync as it goes, which its <see cref="SyncResult"/> reports.</summary>
internal sealed class SyncRun(ProgressTracker progress)
{
    public ProgressTracker Progress { get; } = progress;

    public int PageSize { get; set; }

    public uint OriginPageCount { get; set; }

    public uint ReplicaPageCountBefore { get; set; }

    public int ReplacedPageSize { get; set; }

    public bool DryRun { get; set; }

    public uint PagesSent { get; set; }

    public long PageBytesRaw { get; set; }

    public long PageBytesOnWire { get; set; }

    /// <summary>Times this side waited for the other's answer after sending.</summary>
    public int RoundTrips { get; set; }

    public long Hashes { get; set; }

    public long OriginPagesRead { get; set; }

    public int HashRounds { get; set; }

    public HashingFigures OriginHashing { get; set; }

    public HashingFigures ReplicaHashing { get; set; }

    /// <summary>One round of <paramref name="hashes"/> hashes from the replica.</summary>
    public void CountHashes(long hashes)
    {
        Hashes += hashes;
        HashRounds++;
    }

    /// <summary>This side's hashing so far, as the peer is told it.</summary>
    public HashingFigures HashingSoFar => HashingFigures.From(Progress.PhaseElapsed, Progress.Bytes);

    public SyncResult ToResult(long bytesWritten, long bytesRead) => new()
    {
        PageSize = PageSize,
        OriginPageCount = OriginPageCount,
        ReplicaPageCountBefore = ReplicaPageCountBefore,
        ReplacedPageSize = ReplacedPageSize,
        DryRun = DryRun,
        PagesSent = PagesSent,
        PageBytesRaw = PageBytesRaw,
        PageBytesOnWire = PageBytesOnWire,
        BytesWritten = bytesWritten,
        BytesRead = bytesRead,
        RoundTrips = RoundTrips,
        Hashes = Hashes,
        OriginPagesRead = OriginPagesRead,
        HashRounds = HashRounds,
        Phases = Progress.PhaseTimes,
        OriginHashing = Totals(OriginHashing),
        ReplicaHashing = Totals(ReplicaHashing),
    };

    private static HashingTotals Totals(HashingFigures figures) =>
        new((long)Math.Min(figures.Bytes, long.MaxValue), TimeSpan.FromTicks((long)Math.Min(figures.Microseconds, (ulong)(TimeSpan.MaxValue.Ticks / 10)) * 10));
}
