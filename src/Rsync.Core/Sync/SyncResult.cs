namespace Rsync.Core.Sync;

/// <summary>What one side saw of a sync.</summary>
public sealed record SyncResult
{
    public int PageSize { get; init; }

    public uint OriginPageCount { get; init; }

    /// <summary>The replica's page count before the sync (0 when new).</summary>
    public uint ReplicaPageCountBefore { get; init; }

    /// <summary>Pages sent from origin to replica.</summary>
    public uint PagesSent { get; init; }

    /// <summary>Page bytes before compression, and as they went on the wire.</summary>
    public long PageBytesRaw { get; init; }

    public long PageBytesOnWire { get; init; }

    public long BytesWritten { get; init; }

    public long BytesRead { get; init; }

    /// <summary>Times a side waited for the other's answer after sending (hash levels plus the commit).</summary>
    public int RoundTrips { get; init; }
}
