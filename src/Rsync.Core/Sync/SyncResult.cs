using Rsync.Protocol.Messages;

namespace Rsync.Core.Sync;

/// <summary>What one side saw of a sync.</summary>
public sealed record SyncResult
{
    public int PageSize { get; init; }

    public uint OriginPageCount { get; init; }

    /// <summary>The replica's page count before the sync (0 when new).</summary>
    public uint ReplicaPageCountBefore { get; init; }

    /// <summary>Whether this was a dry run: nothing was sent or written, and the page figures say what would have been.</summary>
    public bool DryRun { get; init; }

    /// <summary>Pages sent from origin to replica (in a dry run: that would have been sent).</summary>
    public uint PagesSent { get; init; }

    /// <summary>Page bytes before compression, and as they went on the wire.</summary>
    public long PageBytesRaw { get; init; }

    public long PageBytesOnWire { get; init; }

    public long BytesWritten { get; init; }

    public long BytesRead { get; init; }

    /// <summary>Times a side waited for the other's answer after sending (hash levels plus the commit).</summary>
    public int RoundTrips { get; init; }

    /// <summary>Whether the replica ends (or, in a dry run, already is) page-for-page the origin.</summary>
    public bool Identical => PagesSent == 0 && ReplicaPageCountBefore == OriginPageCount;

    /// <summary>How long this side spent in each phase.</summary>
    public required PhaseTimes Phases { get; init; }

    /// <summary>Each side's hashing time and bytes (zero for a side that did not hash).</summary>
    public HashingFigures OriginHashing { get; init; }

    public HashingFigures ReplicaHashing { get; init; }
}

/// <summary>How long one side spent hashing, comparing hash trees, sending or receiving pages, and committing.</summary>
public sealed record PhaseTimes(TimeSpan Hashing, TimeSpan Comparing, TimeSpan Sending, TimeSpan Committing)
{
    public static PhaseTimes From(SyncProgress progress) => new(
        progress.TimeIn(SyncPhase.Hashing), progress.TimeIn(SyncPhase.Comparing),
        progress.TimeIn(SyncPhase.Sending), progress.TimeIn(SyncPhase.Committing));
}
