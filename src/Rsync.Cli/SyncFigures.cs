
namespace SqlRsync.Cli;

/// <summary>The figures derived from one side's result that the summary and the JSON report both print.</summary>
internal readonly record struct SyncFigures(SyncResult Result, TimeSpan Elapsed)
{
    /// <summary>Protocol bytes this process sent and received (for a local sync, the origin's side).</summary>
    public long BytesSent => Result.BytesWritten;

    public long BytesReceived => Result.BytesRead;

    public long TotalSize => (long)Result.OriginPageCount * Result.PageSize;

    public double BytesPerSecond => Elapsed.TotalSeconds <= 0 ? 0 : (BytesSent + BytesReceived) / Elapsed.TotalSeconds;

    /// <summary>As rsync computes it: the database's size over the bytes that crossed.</summary>
    public double Speedup => BytesSent + BytesReceived == 0 ? 0 : (double)TotalSize / (BytesSent + BytesReceived);

    public uint ReplicaPagesAfter => Result.DryRun ? Result.ReplicaPageCountBefore : Result.OriginPageCount;
}
