using System.IO.Hashing;
using System.Runtime.InteropServices;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Tests.Support;

namespace SqlRsync.Tests.Sync;

/// <summary>
/// The hash tree that keeps only its upper levels against one built by hand from the file's bytes with
/// every level kept: the top level and the children of every node must be the same.
/// </summary>
public class HashTreeTests
{
    [Theory]
    [InlineData(0, 1)]    // the tree covers exactly the database's pages
    [InlineData(1, 1)]    // and one more, the database's last level-1 node is partly absent
    [InlineData(50, 1)]   // and 50 more, as for a replica shorter than its origin
    [InlineData(0, 3)]    // the same, hashed by several threads, each through its own connection
    [InlineData(1, 2)]
    [InlineData(50, 4)]
    [InlineData(100_000, 1)] // a replica far shorter than its origin: whole nodes of every level absent
    [InlineData(100_000, 2)]
    public void KeptLevelsAndRehashedPagesMatchAFullTree(int absentPages, int threads)
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 15000, journalMode: "delete", pageSize: 512);
        var file = File.ReadAllBytes(path);
        uint pageCount = (uint)(file.Length / 512) + (uint)absentPages;
        var shape = HashTreeShape.For(pageCount);
        Assert.Equal(3, shape.TopLevel); // every kind of level is exercised
        var expected = FullTree(file, 512, shape);

        using var source = PageSource.OpenSnapshot(path, TimeSpan.FromSeconds(5));
        var content = new ContentDigest(512);
        HashTree tree;
        using (var readers = source.ForThreads(threads))
        {
            Assert.Equal(threads, readers.Scanners.Count);
            tree = HashTree.Build(shape, readers.Scanners, source.PageSize, content: content);
        }
        // Every page the database has, added once, whichever thread hashed it.
        var expectedContent = new ContentDigest(512);
        for (uint page = 1; page <= file.Length / 512; page++)
        {
            expectedContent.Add(page, expected[0][page - 1]);
        }
        Assert.Equal(expectedContent.Value(pageCount), content.Value(pageCount));

        Assert.Equal(expected[shape.TopLevel], tree.TopLevel.ToArray());
        for (int level = shape.TopLevel; level > 0; level--)
        {
            var everyNode = Enumerable.Range(0, expected[level].Length).Select(node => (uint)node).ToList();
            Assert.Equal(expected[level - 1], tree.ChildHashes(level, everyNode));
            var someNodes = everyNode.Where(node => node % 3 == 1).ToList();
            var theirChildren = someNodes.SelectMany(node =>
            {
                var (first, count) = shape.Children(level, node);
                return expected[level - 1].Skip((int)first).Take(count);
            });
            Assert.Equal(theirChildren, tree.ChildHashes(level, someNodes));
        }
    }

    /// <summary>
    /// With a sync's seed, every leaf is the page's XXH3-128 with that seed (System.IO.Hashing's, which
    /// HashOracleTests checks against python3-xxhash), and the tree above is built from them as without
    /// one; the content digest still takes the unseeded hashes, so that a record means the same to the next sync.
    /// </summary>
    [Fact]
    public void WithASeedTheLeavesAreTheSeededHashesAndTheDigestIsNot()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 3000, journalMode: "delete", pageSize: 512);
        var file = File.ReadAllBytes(path);
        uint pageCount = (uint)(file.Length / 512);
        var shape = HashTreeShape.For(pageCount);
        const long seed = 0x5EED_0123_4567_89AB;
        var expected = FullTree(file, 512, shape, SeededLeaves(file, 512, seed));

        using var source = PageSource.OpenSnapshot(path, TimeSpan.FromSeconds(5));
        var content = new ContentDigest(512);
        var tree = HashTree.Build(shape, [source], source.PageSize, content: content, seed: seed);

        Assert.Equal(expected[shape.TopLevel], tree.TopLevel.ToArray());
        Assert.Equal(expected[0].Take((int)shape.Fanout * 3), tree.ChildHashes(1, [0, 1, 2]));
        Assert.Equal(ContentDigest.Of(source, 512), content.Value(pageCount));
        Assert.NotEqual(FullTree(file, 512, shape)[shape.TopLevel], tree.TopLevel.ToArray());
    }

    /// <summary>
    /// A tree over stored leaves (an archive's page map) is the tree over the pages those leaves hash:
    /// every level and every node's children, for the map's own page count and for an origin with more
    /// pages (whose tree the archive's must be shaped like).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5000)]
    public void ATreeOfStoredLeavesIsTheTreeOfTheirPages(int absentPages)
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.db");
        TestDatabase.Create(path, rows: 3000, journalMode: "delete", pageSize: 512);
        var file = File.ReadAllBytes(path);
        uint pages = (uint)(file.Length / 512);
        var shape = HashTreeShape.For(pages + (uint)absentPages);
        const long seed = 0x0A5C_11FE_0000_0001;
        var leaves = SeededLeaves(file, 512, seed);

        using var source = PageSource.OpenSnapshot(path, TimeSpan.FromSeconds(5));
        var fromPages = HashTree.Build(shape, [source], source.PageSize, seed: seed);
        var fromLeaves = HashTree.FromLeaves(shape, pages, page => leaves[page - 1]);

        Assert.Equal(fromPages.TopLevel.ToArray(), fromLeaves.TopLevel.ToArray());
        for (int level = shape.TopLevel; level > 0; level--)
        {
            var everyNode = Enumerable.Range(0, (int)shape.NodeCount(level)).Select(node => (uint)node).ToList();
            Assert.Equal(fromPages.ChildHashes(level, everyNode), fromLeaves.ChildHashes(level, everyNode));
        }
    }

    /// <summary>XXH3-128 of each page with <paramref name="seed"/> (page 1's header bytes masked as sqlrsync masks them).</summary>
    private static UInt128[] SeededLeaves(byte[] file, int pageSize, long seed) =>
        [.. Enumerable.Range(0, file.Length / pageSize).Select(page => XxHash128.HashToUInt128(Masked(file, pageSize, page), seed))];

    private static byte[] Masked(byte[] file, int pageSize, int page)
    {
        var data = file.AsSpan(page * pageSize, pageSize).ToArray();
        if (page == 0)
        {
            data.AsSpan(24, 4).Clear();
            data.AsSpan(92, 8).Clear();
        }
        return data;
    }

    private static UInt128[][] FullTree(byte[] file, int pageSize, HashTreeShape shape, UInt128[]? leaves = null)
    {
        var levels = new UInt128[shape.TopLevel + 1][];
        levels[0] = new UInt128[shape.PageCount];
        for (int page = 0; page < file.Length / pageSize; page++)
        {
            levels[0][page] = leaves?[page] ?? XxHash128.HashToUInt128(Masked(file, pageSize, page));
        }
        for (int level = 1; level <= shape.TopLevel; level++)
        {
            levels[level] = levels[level - 1].Chunk((int)shape.Fanout)
                .Select(children => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(children.AsSpan())))
                .ToArray();
        }
        return levels;
    }
}
