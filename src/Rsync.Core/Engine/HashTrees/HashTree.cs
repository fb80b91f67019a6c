using System.IO.Hashing;
using System.Runtime.InteropServices;
using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine.HashTrees;

/// <summary>
/// A tree of XXH3-128 hashes over a database's pages. Level 0 holds one hash per page; each node of
/// level L+1 hashes up to <see cref="HashTreeShape.Fanout"/> consecutive nodes of level L. The sides
/// compare the top level first and then only the children of nodes that differ.
/// To keep memory small as the database grows, the page hashes are not kept (unless they are the top
/// level): the few under a level-1 node that differs are hashed again from the pages when asked for.
/// The tree has one shape on both sides (for the origin's page count, or the replica's), but nodes past
/// the database's own last page are not stored: every such node hashes absent pages (0) only, so its value follows from its level alone
/// (<see cref="AbsentNodes"/>). Memory and time follow the pages this side has, never the page count
/// a peer announces: a replica of 10 pages told of 2^32 stores what 10 pages need.
/// </summary>
internal sealed class HashTree
{
    private readonly UInt128[][] _levels;
    // Where page hashes come from when asked for: the pages (hashed again) or stored leaves.
    private readonly IPageScanner? _database;
    private readonly StoredLeaves? _stored;
    private readonly int _pageSize;
    // Page hashes under level-1 nodes, computed when first asked for: compared against several
    // replicas, the origin reads those pages once.
    private readonly Dictionary<uint, UInt128[]> _pageHashesOf = [];
    private readonly AbsentNodes _absent;
    private readonly long _seed;

    private HashTree(HashTreeShape shape, UInt128[][] levels, IPageScanner? database, int pageSize, AbsentNodes absent, long seed,
        StoredLeaves? stored = null)
    {
        Shape = shape;
        _levels = levels;
        _database = database;
        _stored = stored;
        _pageSize = pageSize;
        _absent = absent;
        _seed = seed;
        _presentPages = database is null ? 0 : Math.Min(shape.PageCount, database.PageCount);
    }

    /// <summary>The pages this side has within the tree (the others are absent).</summary>
    private readonly uint _presentPages;

    public HashTreeShape Shape { get; }

    /// <summary>Every node of the top level (at most <see cref="HashTreeShape.MaxTopNodes"/>), absent ones included.</summary>
    public ReadOnlySpan<UInt128> TopLevel => _levels[Shape.TopLevel];

    /// <summary>Every node of <paramref name="level"/> (1 or above), absent ones included.</summary>
    public UInt128[] Level(int level)
    {
        var nodes = new UInt128[Shape.NodeCount(level)];
        for (uint node = 0; node < nodes.Length; node++)
        {
            nodes[node] = Node(_levels[level], _absent, level, node);
        }
        return nodes;
    }

    /// <summary>
    /// Hashes the first <see cref="HashTreeShape.PageCount"/> pages of a database (pages it does not
    /// have count as absent) in one scan, split between <paramref name="scanners"/> — readers of the same
    /// state, each on a thread of its own, the first kept to hash pages again later: it must stay
    /// readable, unchanged, for as long as the tree is asked for children. Leaves are hashed with
    /// <paramref name="seed"/>. Each page hashed is counted by <paramref name="advance"/> (pages and
    /// bytes; it may throw to stop the build) and, if given, added to <paramref name="content"/>
    /// (hashed without a seed: a second hash of the page, while it is at hand, when the seed is not 0).
    /// </summary>
    public static HashTree Build(HashTreeShape shape, IReadOnlyList<IPageScanner> scanners, int pageSize, Action<long, long>? advance = null,
        ContentDigest? content = null, long seed = 0)
    {
        var database = scanners[0];
        var absent = new AbsentNodes(shape);
        if (shape.TopLevel == 0)
        {
            var levels = new UInt128[1][];
            levels[0] = PageHasher.Hash(database, pageSize, AllPages(shape.PageCount), seed);
            var terms = seed == 0 || content is null ? levels[0] : PageHasher.Hash(database, pageSize, AllPages(shape.PageCount));
            for (uint page = 1; page <= Math.Min(shape.PageCount, database.PageCount); page++)
            {
                content?.Add(page, terms[page - 1]);
            }
            return new HashTree(shape, levels, database, pageSize, absent, seed);
        }
        // Nodes that hold at least one of this side's pages, level by level.
        ulong present = Math.Min(shape.PageCount, database.PageCount);
        var levelOne = HashLevelOne(shape, scanners, pageSize, (uint)((present + shape.Fanout - 1) / shape.Fanout), advance, content, seed);
        return new HashTree(shape, LevelsFrom(shape, levelOne, absent), database, pageSize, absent, seed);
    }

    /// <summary>
    /// Every level from level 1's present nodes: the top level complete, absent nodes included; the
    /// others only as far as nodes are present.
    /// </summary>
    private static UInt128[][] LevelsFrom(HashTreeShape shape, UInt128[] levelOne, AbsentNodes absent)
    {
        var levels = new UInt128[shape.TopLevel + 1][];
        levels[1] = shape.TopLevel == 1 ? [.. Enumerable.Range(0, (int)shape.NodeCount(1)).Select(node => Node(levelOne, absent, 1, (uint)node))]
            : levelOne;
        for (int level = 2; level <= shape.TopLevel; level++)
        {
            var below = levels[level - 1];
            uint stored = level == shape.TopLevel ? shape.NodeCount(level) : (uint)((below.Length + shape.Fanout - 1) / shape.Fanout);
            var nodes = new UInt128[stored];
            var children = new UInt128[shape.Fanout];
            for (uint node = 0; node < stored; node++)
            {
                var (first, count) = shape.Children(level, node);
                for (int child = 0; child < count; child++)
                {
                    children[child] = Node(below, absent, level - 1, first + (uint)child);
                }
                nodes[node] = HashOfHashes(children.AsSpan(0, count));
            }
            levels[level] = nodes;
        }
        return levels;
    }

    /// <summary>
    /// The tree of <paramref name="pageCount"/> pages whose leaves are stored (an archive's page map,
    /// whose hashes have the seed the tree is compared with): only nodes are hashed, no page is read.
    /// <paramref name="leaf"/> gives page N's leaf (0 for the lock-byte page).
    /// </summary>
    public static HashTree FromLeaves(HashTreeShape shape, uint pageCount, Func<uint, UInt128> leaf)
    {
        var stored = new StoredLeaves(pageCount, leaf);
        var absent = new AbsentNodes(shape);
        var levels = new UInt128[shape.TopLevel + 1][];
        if (shape.TopLevel == 0)
        {
            levels[0] = stored.Leaves(1, shape.PageCount);
            return new HashTree(shape, levels, null, 0, absent, 0, stored);
        }
        ulong present = Math.Min(shape.PageCount, pageCount);
        var levelOne = new UInt128[(present + shape.Fanout - 1) / shape.Fanout];
        for (uint node = 0; node < levelOne.Length; node++)
        {
            var (first, count) = shape.Children(1, node);
            levelOne[node] = HashOfHashes(stored.Leaves(first + 1, (uint)count));
        }
        return new HashTree(shape, LevelsFrom(shape, levelOne, absent), null, 0, absent, 0, stored);
    }

    /// <summary>
    /// This tree for <paramref name="database"/>, a later state of the database it was built from, whose
    /// pages differ from that state at most at <paramref name="changed"/> and past the old last page,
    /// shaped for <paramref name="shapePages"/> pages (both sides' trees have one shape; by
    /// default the database's own count): only the level-1 nodes over those pages are hashed again
    /// (their pages read), the rest taken from this tree. Null when the new shape is another (build it
    /// anew), or for a tree of stored leaves.
    /// </summary>
    public HashTree? Updated(IPageScanner database, IReadOnlyCollection<uint> changed, uint? shapePages = null)
    {
        var shape = HashTreeShape.For(shapePages ?? database.PageCount);
        uint presentPages = Math.Min(shape.PageCount, database.PageCount);
        if (_database is null || shape.TopLevel == 0 || shape.TopLevel != Shape.TopLevel || shape.Fanout != Shape.Fanout
            || presentPages == 0 || _presentPages == 0)
        {
            return null;
        }
        uint fanout = shape.Fanout;
        uint oldPresent = (uint)((_presentPages + (ulong)fanout - 1) / fanout);
        uint present = (uint)((presentPages + (ulong)fanout - 1) / fanout);
        var dirty = new bool[present];
        for (uint node = Math.Min(oldPresent, present) - 1; node < present; node++)
        {
            dirty[node] = true;  // the old last node (maybe partial), and every node past it
        }
        foreach (uint page in changed)
        {
            if (page >= 1 && page <= presentPages)
            {
                dirty[(page - 1) / fanout] = true;
            }
        }
        var levelOne = new UInt128[present];
        Array.Copy(_levels[1], levelOne, Math.Min(present, oldPresent));
        for (uint node = 0; node < present;)
        {
            uint end = node;
            while (end < present && dirty[end])
            {
                end++;
            }
            if (end > node)
            {
                HashNodes(shape, database, _pageSize, _seed, node, end, levelOne, advance: null, content: null);
            }
            node = end + 1;
        }
        var absent = new AbsentNodes(shape);
        return new HashTree(shape, LevelsFrom(shape, levelOne, absent), database, _pageSize, absent, _seed);
    }

    private static UInt128 Node(UInt128[] stored, AbsentNodes absent, int level, uint node) =>
        node < stored.Length ? stored[node] : absent.Value(level, node);

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
            for (uint child = first; child < first + count; child++)
            {
                result.Add(Node(_levels[level - 1], _absent, level - 1, child));
            }
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
            var hashes = _stored is not null ? [.. pages.Select(_stored.Leaf)] : PageHasher.Hash(_database!, _pageSize, pages, _seed);
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

    /// <summary>
    /// The first <paramref name="stored"/> nodes of level 1 straight from the pages: the nodes are cut
    /// into as many runs as there are scanners, each run scanned on a thread of its own, holding one
    /// node's page hashes at a time.
    /// </summary>
    private static UInt128[] HashLevelOne(HashTreeShape shape, IReadOnlyList<IPageScanner> scanners, int pageSize, uint stored, Action<long,
        long>? advance, ContentDigest? content, long seed)
    {
        var nodes = new UInt128[stored];
        int runs = (int)Math.Min(scanners.Count, shape.NodeCount(1));
        if (runs <= 1)
        {
            HashNodes(shape, scanners[0], pageSize, seed, 0, (uint)nodes.Length, nodes, advance, content);
            return nodes;
        }
        var contents = new ContentDigest?[runs];
        // The threads take turns: whoever follows the progress counts with one writer in mind.
        var advanceGate = new object();
        void Advance(long pages, long bytes)
        {
            lock (advanceGate)
            {
                advance?.Invoke(pages, bytes);
            }
        }
        try
        {
            Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = runs }, run =>
            {
                uint first = (uint)((ulong)nodes.Length * (ulong)run / (ulong)runs);
                uint end = (uint)((ulong)nodes.Length * (ulong)(run + 1) / (ulong)runs);
                contents[run] = content is null ? null : new ContentDigest(pageSize);
                HashNodes(shape, scanners[run], pageSize, seed, first, end, nodes, Advance, contents[run], batch: ProgressBatch);
            });
        }
        catch (AggregateException e)
        {
            // The first failure (a cancellation, a read error) as if it had happened on this thread.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        foreach (var part in contents)
        {
            content?.Add(part!);
        }
        return nodes;
    }

    /// <summary>Pages hashed between two progress reports of a thread that shares the progress with others.</summary>
    private const int ProgressBatch = 256;

    /// <summary>Level-1 nodes <paramref name="first"/> up to <paramref name="end"/>, from one scan of their pages.</summary>
    private static void HashNodes(HashTreeShape shape, IPageScanner database, int pageSize, long seed, uint first, uint end, UInt128[] nodes,
        Action<long, long>? advance, ContentDigest? content, int batch = 1)
    {
        var children = new UInt128[shape.Fanout];
        uint lockBytePage = LockBytePage.For(pageSize);
        uint finished = first;
        void Finish(uint node)
        {
            int count = shape.Children(1, node).Count;
            nodes[node] = HashOfHashes(children.AsSpan(0, count));
            children.AsSpan().Clear();
            finished = node + 1;
        }

        ulong firstPage = (ulong)first * shape.Fanout + 1;
        uint lastPage = (uint)Math.Min(Math.Min((ulong)end * shape.Fanout, shape.PageCount), database.PageCount);
        int unreported = 0;
        if (firstPage <= lastPage)
        {
            database.ScanPages((uint)firstPage, lastPage, (pageNumber, data) =>
            {
                uint node = (pageNumber - 1) / shape.Fanout;
                int slot = (int)((pageNumber - 1) % shape.Fanout);
                children[slot] = PageHasher.Hash(pageNumber, data, lockBytePage, seed);
                content?.Add(pageNumber, seed == 0 ? children[slot] : PageHasher.Hash(pageNumber, data, lockBytePage));
                if (++unreported == batch)
                {
                    advance?.Invoke(unreported, (long)unreported * data.Length);
                    unreported = 0;
                }
                if (slot == shape.Children(1, node).Count - 1)
                {
                    Finish(node);
                }
            });
        }
        if (unreported > 0)
        {
            advance?.Invoke(unreported, (long)unreported * pageSize);
        }
        // Nodes past the database's end: partly or wholly absent pages, which hash to 0.
        while (finished < end)
        {
            Finish(finished);
        }
    }

    private static UInt128 HashOfHashes(ReadOnlySpan<UInt128> hashes) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(hashes));

    private static List<uint> AllPages(uint pageCount) => [.. Enumerable.Range(1, (int)pageCount).Select(page => (uint)page)];

    /// <summary>Leaves kept elsewhere, for pages 1 to a count (0 past it).</summary>
    private sealed class StoredLeaves(uint pageCount, Func<uint, UInt128> leaf)
    {
        public UInt128 Leaf(uint page) => page <= pageCount ? leaf(page) : 0;

        public UInt128[] Leaves(uint first, uint count)
        {
            var leaves = new UInt128[count];
            for (uint i = 0; i < count; i++)
            {
                leaves[i] = Leaf(first + i);
            }
            return leaves;
        }
    }

    /// <summary>
    /// The value of a node with no page of this side under it: all such nodes of a level but the last
    /// have <see cref="HashTreeShape.Fanout"/> children just like them; the last node of a level has the
    /// last node of the level below among its children. Two values per level, computed once.
    /// </summary>
    private sealed class AbsentNodes
    {
        private readonly HashTreeShape _shape;
        private readonly UInt128[] _full;
        private readonly UInt128[] _last;

        public AbsentNodes(HashTreeShape shape)
        {
            _shape = shape;
            _full = new UInt128[shape.TopLevel + 1];
            _last = new UInt128[shape.TopLevel + 1];
            var children = new UInt128[shape.Fanout];
            for (int level = 1; level <= shape.TopLevel; level++)
            {
                children.AsSpan().Fill(_full[level - 1]);
                _full[level] = HashOfHashes(children);
                int count = shape.Children(level, shape.NodeCount(level) - 1).Count;
                children[count - 1] = _last[level - 1];
                _last[level] = HashOfHashes(children.AsSpan(0, count));
            }
        }

        public UInt128 Value(int level, uint node) => node == _shape.NodeCount(level) - 1 ? _last[level] : _full[level];
    }
}
