using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SqlRsync.Engine;
using SqlRsync.Engine.Deltas;
using SqlRsync.Engine.HashTrees;
using SqlRsync.Engine.Pages;
using SqlRsync.Protocol.Messages;

namespace SqlRsync.Dialects;

/// <summary>Block hashes the replica sent with a leaf check: <see cref="PageBlocks.Count"/> for each of the first pages that differ.</summary>
internal sealed record BlockHashesAtHand(List<uint> Pages, ulong Seed, ulong[] Hashes);

/// <summary>
/// The origin's walk down both trees to the pages that differ. In today's order (a peer without
/// <see cref="Capabilities.EagerHashes"/>) it reads the replica's top level and asks for the children of nodes
/// that differ, level by level, a round trip each. When both sides announce it, the replica has sent its upper
/// levels unasked (<see cref="EagerLevels"/>): the walk reads them only while anything differs (the rest are read
/// before the commit, <see cref="DrainUnread"/>), asks for any level still missing above level 1, and ends
/// with a leaf check: our page hashes under the level-1 nodes that differ go to the replica, which answers with
/// the pages that differ and, with deltas, their block hashes, in one round trip.
/// </summary>
internal sealed class HashTreeWalk(HashTree tree, SqlRsyncConversation peer, SyncRun run)
{
    private readonly HashTreeShape _shape = tree.Shape;
    // Levels the replica sent unasked that the walk did not need to read: from _unreadTop down to _unreadBottom.
    private int _unreadTop = -1;
    private int _unreadBottom;

    /// <summary>Block hashes that came with the leaf check, if any.</summary>
    public BlockHashesAtHand? Blocks { get; private set; }

    /// <summary>
    /// The pages of the tree that differ, ascending, none past <paramref name="originPages"/>; with
    /// <paramref name="blockPages"/> &gt; 0 a leaf check also fetches the block hashes of the first that many.
    /// </summary>
    public List<uint> DifferentPages(bool eager, uint originPages, int blockPages)
    {
        int level = _shape.TopLevel;
        int unaskedBottom = eager ? EagerLevels.Bottom(_shape) : level;
        var theirs = LevelMessages.ReadHashes(peer.Reader, (byte)level, (int)_shape.NodeCount(level));
        if (!eager)
        {
            run.RoundTrips++;  // asked for by OriginInfo
        }
        run.CountHashes(theirs.Length);
        var different = new List<uint>();
        var ours = tree.TopLevel;
        for (int node = 0; node < ours.Length; node++)
        {
            if (ours[node] != theirs[node])
            {
                different.Add((uint)node);
            }
        }

        for (; level > unaskedBottom && different.Count > 0; level--)
        {
            var below = LevelMessages.ReadHashes(peer.Reader, (byte)(level - 1), (int)_shape.NodeCount(level - 1));
            run.CountHashes(below.Length);
            different = Differing(level, different, tree.ChildHashes(level, different), (_, child) => below[child]);
        }
        if (level > unaskedBottom)
        {
            _unreadTop = level - 1;
            _unreadBottom = unaskedBottom;
        }

        // With the leaf check, the replica compares the last level itself.
        int lowestAsked = eager ? 1 : 0;
        for (; level > lowestAsked && different.Count > 0; level--)
        {
            LevelMessages.WriteNodeRequest(peer.Writer, (byte)level, CollectionsMarshal.AsSpan(different));
            peer.Writer.Flush();
            // The replica hashes the same children meanwhile.
            var ourChildren = tree.ChildHashes(level, different);
            var answer = LevelMessages.ReadHashes(peer.Reader, (byte)(level - 1), ourChildren.Length);
            run.RoundTrips++;
            run.CountHashes(answer.Length);
            different = Differing(level, different, ourChildren, (at, _) => answer[at]);
        }
        if (level == 1 && different.Count > 0)
        {
            return LeafCheck(different, originPages, blockPages);
        }
        // Level 0 node n is page n + 1; the commit cuts off pages past ours (a tree shaped for the replica's pages has them).
        return different.ConvertAll(node => node + 1).FindAll(page => page <= originPages);
    }

    /// <summary>Reads the levels the replica sent unasked that the walk did not need; they stand before its next answer.</summary>
    public void DrainUnread()
    {
        for (int level = _unreadTop; level >= _unreadBottom && _unreadTop >= 0; level--)
        {
            LevelMessages.ReadHashes(peer.Reader, (byte)level, (int)_shape.NodeCount(level));
        }
        _unreadTop = -1;
    }

    /// <summary>The children (at level − 1) of <paramref name="nodes"/> whose hash differs from <paramref name="theirs"/>' (by place, by index).</summary>
    private List<uint> Differing(int level, List<uint> nodes, UInt128[] ourChildren, Func<int, uint, UInt128> theirs)
    {
        var differentBelow = new List<uint>();
        int next = 0;
        foreach (var node in nodes)
        {
            var (first, count) = _shape.Children(level, node);
            for (uint child = first; child < first + count; child++, next++)
            {
                if (ourChildren[next] != theirs(next, child))
                {
                    differentBelow.Add(child);
                }
            }
        }
        return differentBelow;
    }

    /// <summary>
    /// Sends our page hashes under the level-1 <paramref name="nodes"/> that hold pages of ours and reads the pages
    /// that differ, then the block hashes of the first <paramref name="blockPages"/> of them.
    /// </summary>
    private List<uint> LeafCheck(List<uint> nodes, uint originPages, int blockPages)
    {
        // Nodes past our last page hold only pages the commit cuts off.
        nodes = nodes.FindAll(node => (ulong)node * _shape.Fanout < originPages);
        if (nodes.Count == 0)
        {
            return [];
        }
        // The nodes go ahead of our hashes: the replica hashes its pages under them meanwhile.
        LeafCheckMessages.WriteNodes(peer.Writer, CollectionsMarshal.AsSpan(nodes));
        peer.Writer.Flush();
        var leaves = tree.ChildHashes(1, nodes);
        ulong seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        LeafCheckMessages.WriteLeaves(peer.Writer, leaves, seed, blockPages);
        peer.Writer.Flush();
        run.CountHashes(leaves.Length);
        var asked = nodes.ToHashSet();
        uint lockBytePage = LockBytePage.For(run.PageSize);
        var pages = LeafCheckMessages.ReadDifferentPages(peer.Reader,
            page => page >= 1 && page <= originPages && page != lockBytePage && asked.Contains((page - 1) / _shape.Fanout));
        int withBlocks = Math.Min(blockPages, pages.Count);
        if (withBlocks > 0)
        {
            Blocks = new BlockHashesAtHand(pages.GetRange(0, withBlocks), seed, BlockMessages.ReadHashes(peer.Reader, withBlocks * PageBlocks.Count));
        }
        run.RoundTrips++;
        return pages;
    }
}
