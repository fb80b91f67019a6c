using System.Runtime.InteropServices;
using Rsync.Core.Hashing;

namespace Rsync.Core.Sync;

/// <summary>
/// A tree of XXH3-128 hashes over a database's pages. Level 0 holds one hash per page; each node of
/// level L+1 hashes up to <see cref="HashTreeShape.Fanout"/> consecutive nodes of level L. The sides
/// compare the top level first and then only the children of nodes that differ.
/// </summary>
public sealed class HashTree
{
    private readonly UInt128[][] _levels;

    private HashTree(HashTreeShape shape, UInt128[][] levels)
    {
        Shape = shape;
        _levels = levels;
    }

    public HashTreeShape Shape { get; }

    public ReadOnlySpan<UInt128> Level(int level) => _levels[level];

    /// <summary>Builds the upper levels over <paramref name="leaves"/> (one hash per page of the shape).</summary>
    public static HashTree Build(HashTreeShape shape, UInt128[] leaves)
    {
        if (leaves.Length != shape.NodeCount(0))
        {
            throw new ArgumentException($"{leaves.Length} leaves for a tree of {shape.NodeCount(0)} pages", nameof(leaves));
        }
        var levels = new UInt128[shape.TopLevel + 1][];
        levels[0] = leaves;
        for (int level = 1; level <= shape.TopLevel; level++)
        {
            var below = levels[level - 1];
            var nodes = new UInt128[shape.NodeCount(level)];
            for (int node = 0; node < nodes.Length; node++)
            {
                var (first, count) = shape.Children(level, (uint)node);
                nodes[node] = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(below.AsSpan((int)first, count)));
            }
            levels[level] = nodes;
        }
        return new HashTree(shape, levels);
    }

    /// <summary>Hashes of the children of <paramref name="nodes"/> (at <paramref name="level"/>), in order.</summary>
    public UInt128[] ChildHashes(int level, IReadOnlyList<uint> nodes)
    {
        var result = new List<UInt128>();
        foreach (var node in nodes)
        {
            var (first, count) = Shape.Children(level, node);
            result.AddRange(_levels[level - 1].AsSpan((int)first, count));
        }
        return [.. result];
    }
}
