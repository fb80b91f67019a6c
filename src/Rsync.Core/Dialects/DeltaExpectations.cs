namespace SqlRsync.Dialects;

/// <summary>
/// What a replica has promised the origin about deltas before the pages come: the pages whose block hashes it sent
/// with a leaf check (only they may come as the next deltas) and the highest of them (a later block request must name
/// only pages above it).
/// </summary>
internal sealed class DeltaExpectations
{
    public HashSet<uint> AwaitingDelta { get; } = [];

    public uint HighestAsked { get; private set; }

    public void Asked(IEnumerable<uint> pages, uint highest)
    {
        AwaitingDelta.UnionWith(pages);
        HighestAsked = highest;
    }
}
