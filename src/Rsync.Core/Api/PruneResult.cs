namespace SqlRsync;

/// <summary>What a prune kept and removed (or, with a dry run, would have).</summary>
/// <param name="Kept">The snapshots that stay, oldest first.</param>
/// <param name="Removed">The snapshots removed, oldest first.</param>
/// <param name="PacksDeleted">Pack objects deleted: those no kept snapshot needs, and those rewritten.</param>
/// <param name="PacksWritten">Pack objects written with the still-needed blobs of mostly unneeded packs.</param>
/// <param name="BytesBefore">Bytes of the archive's packs and indexes before.</param>
/// <param name="BytesAfter">Bytes of them after.</param>
/// <param name="DryRun">Nothing was changed: the figures are what a prune would do.</param>
public sealed record PruneResult(IReadOnlyList<SnapshotInfo> Kept, IReadOnlyList<SnapshotInfo> Removed, int PacksDeleted, int PacksWritten,
    long BytesBefore, long BytesAfter, bool DryRun);
