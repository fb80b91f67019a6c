using System.Runtime.InteropServices;
using System.IO.Hashing;
using SqlRsync.Pages;
using SqlRsync.Roles;

namespace SqlRsync.HashTrees;

/// <summary>
/// A tree of XXH3-128 hashes over a database's pages. Level 0 holds one hash per page; each node of
/// level L+1 hashes up to <see cref="HashTreeShape.Fanout"/> consecutive nodes of level L. The sides
/// compare the top level first and then only the children of nodes that differ.
/// To keep memory small as the database grows, the page hashes are not kept (unless they are the top
/// level): the few under a level-1 node that differs are hashed again from the pages when asked for.
/// </summary>
internal sealed class HashTree
{
    private readonly UInt128[][] _levels;
    private readonly IPageScanner _database;
    private readonly int _pageSize;
    // Page hashes under level-1 nodes, computed when first asked for: compared against several
    // replicas, the origin reads those pages once.
    private readonly Dictionary<uint, UInt128[]> _pageHashesOf = [];

    private HashTree(HashTreeShape shape, UInt128[][] levels, IPageScanner database, int pageSize)
    {
        Shape = shape;
        _levels = levels;
        _database = database;
        _pageSize = pageSize;
    }

    public HashTreeShape Shape { get; }

    public ReadOnlySpan<UInt128> TopLevel => _levels[Shape.TopLevel];

    /// <summary>
    /// Hashes the first <see cref="HashTreeShape.PageCount"/> pages of <paramref name="database"/> in
    /// one scan (pages it does not have count as absent). The database must stay readable, unchanged,
    /// for as long as the tree is asked for children. Each page hashed advances <paramref name="progress"/>
    /// and, if given, is passed to <paramref name="onPage"/> with its leaf hash.
    /// </summary>
    public static HashTree Build(HashTreeShape shape, IPageScanner database, int pageSize, ProgressTracker? progress = null, Action<uint, UInt128>? onPage = null)
    {
        var levels = new UInt128[shape.TopLevel + 1][];
        if (shape.TopLevel == 0)
        {
            levels[0] = PageHasher.Hash(database, pageSize, AllPages(shape.PageCount));
            for (uint page = 1; page <= Math.Min(shape.PageCount, database.PageCount); page++)
            {
                onPage?.Invoke(page, levels[0][page - 1]);
            }
            return new HashTree(shape, levels, database, pageSize);
        }
        levels[1] = HashLevelOne(shape, database, pageSize, progress, onPage);
        for (int level = 2; level <= shape.TopLevel; level++)
        {
            var below = levels[level - 1];
            var nodes = new UInt128[shape.NodeCount(level)];
            for (int node = 0; node < nodes.Length; node++)
            {
                var (first, count) = shape.Children(level, (uint)node);
                nodes[node] = HashOfHashes(below.AsSpan((int)first, count));
            }
            levels[level] = nodes;
        }
        return new HashTree(shape, levels, database, pageSize);
    }

    /// <summary>Hashes of the children of <paramref name="nodes"/> (ascending, at <paramref name="level"/>), in order.</summary>
    public UInt128[] ChildHashes(int level, IReadOnlyList<uint> nodes)
    {
        if (level == 1)
        {
            return PageHashesUnder(nodes);
        }
        var result = new List<UInt128>();
        foreach (var node in nodes)
        {
            var (first, count) = Shape.Children(level, node);
            result.AddRange(_levels[level - 1].AsSpan((int)first, count));
        }
        return [.. result];
    }

    /// <summary>The page hashes under level-1 <paramref name="nodes"/> (ascending), in order; safe to call from several threads.</summary>
    private UInt128[] PageHashesUnder(IReadOnlyList<uint> nodes)
    {
        lock (_pageHashesOf)
        {
            // Level 0 node n is page n + 1.
            var missing = nodes.Where(node => !_pageHashesOf.ContainsKey(node)).ToList();
            var pages = new List<uint>();
            foreach (var node in missing)
            {
                var (first, count) = Shape.Children(1, node);
                for (uint child = first; child < first + count; child++)
                {
                    pages.Add(child + 1);
                }
            }
            var hashes = PageHasher.Hash(_database, _pageSize, pages);
            int at = 0;
            foreach (var node in missing)
            {
                int count = Shape.Children(1, node).Count;
                _pageHashesOf[node] = hashes[at..(at + count)];
                at += count;
            }
            return [.. nodes.SelectMany(node => _pageHashesOf[node])];
        }
    }

    /// <summary>Level 1 straight from one scan of the pages, holding one node's page hashes at a time.</summary>
    private static UInt128[] HashLevelOne(HashTreeShape shape, IPageScanner database, int pageSize, ProgressTracker? progress, Action<uint, UInt128>? onPage)
    {
        var nodes = new UInt128[shape.NodeCount(1)];
        var children = new UInt128[shape.Fanout];
        uint lockBytePage = LockBytePage.For(pageSize);
        uint finished = 0;
        void Finish(uint node)
        {
            int count = shape.Children(1, node).Count;
            nodes[node] = HashOfHashes(children.AsSpan(0, count));
            children.AsSpan().Clear();
            finished = node + 1;
        }

        uint last = Math.Min(shape.PageCount, database.PageCount);
        if (last > 0)
        {
            database.ScanPages(1, last, (pageNumber, data) =>
            {
                uint node = (pageNumber - 1) / shape.Fanout;
                int slot = (int)((pageNumber - 1) % shape.Fanout);
                children[slot] = PageHasher.Hash(pageNumber, data, lockBytePage);
                onPage?.Invoke(pageNumber, children[slot]);
                progress?.Advance(1, data.Length);
                if (slot == shape.Children(1, node).Count - 1)
                {
                    Finish(node);
                }
            });
        }
        // Nodes past the database's end: partly or wholly absent pages, which hash to 0.
        while (finished < nodes.Length)
        {
            Finish(finished);
        }
        return nodes;
    }

    private static UInt128 HashOfHashes(ReadOnlySpan<UInt128> hashes) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(hashes));

    private static List<uint> AllPages(uint pageCount) => [.. Enumerable.Range(1, (int)pageCount).Select(page => (uint)page)];
}
