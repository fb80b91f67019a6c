namespace SqlRsync.Engine.HashTrees;

/// <summary>
/// The shape of the hash tree for a page count, computed the same way on both sides. The top level
/// has at most <see cref="MaxTopNodes"/> nodes (2 KiB of hashes: an identical sync stays under 4 KiB)
/// and there are at most three levels above the pages, so a sync needs at most four round trips for
/// any database up to 2^32 pages. Among the shapes that satisfy this, it takes the one whose
/// per-changed-page cost (levels × fan-out hashes) is smallest.
/// </summary>
internal sealed class HashTreeShape
{
    public const int MaxTopNodes = 128;
    public const int MaxLevelsAbovePages = 3;

    private readonly uint[] _nodeCounts;

    private HashTreeShape(uint fanout, uint[] nodeCounts)
    {
        Fanout = fanout;
        _nodeCounts = nodeCounts;
    }

    /// <summary>Children per node (1 when the pages themselves are the top level).</summary>
    public uint Fanout { get; }

    /// <summary>The top level's number; 0 means the page hashes are the top.</summary>
    public int TopLevel => _nodeCounts.Length - 1;

    public uint PageCount => _nodeCounts[0];

    public uint NodeCount(int level) => _nodeCounts[level];

    public static HashTreeShape For(uint pageCount)
    {
        if (pageCount <= MaxTopNodes)
        {
            return new HashTreeShape(1, [pageCount]);
        }
        HashTreeShape? best = null;
        for (int levels = 1; levels <= MaxLevelsAbovePages; levels++)
        {
            uint fanout = (uint)Math.Max(2, Math.Floor(Math.Pow((double)pageCount / MaxTopNodes, 1.0 / levels)));
            // Floating point only guesses; the exact level sizes decide.
            while (!Fits(pageCount, fanout, levels))
            {
                fanout++;
            }
            var shape = new HashTreeShape(fanout, Counts(pageCount, fanout, levels));
            if (best is null || (ulong)levels * fanout < (ulong)best.TopLevel * best.Fanout)
            {
                best = shape;
            }
        }
        return best!;
    }

    /// <summary>The first child (at level − 1) of <paramref name="node"/> and how many children it has.</summary>
    public (uint First, int Count) Children(int level, uint node)
    {
        ulong first = (ulong)node * Fanout;
        ulong end = Math.Min(first + Fanout, _nodeCounts[level - 1]);
        return ((uint)first, (int)(end - first));
    }

    private static bool Fits(uint pageCount, uint fanout, int levels) => Counts(pageCount, fanout, levels)[^1] <= MaxTopNodes;

    private static uint[] Counts(uint pageCount, uint fanout, int levels)
    {
        var counts = new uint[levels + 1];
        counts[0] = pageCount;
        for (int level = 1; level <= levels; level++)
        {
            counts[level] = (uint)(((ulong)counts[level - 1] + fanout - 1) / fanout);
        }
        return counts;
    }
}
