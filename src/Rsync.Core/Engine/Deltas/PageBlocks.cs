using System.IO.Hashing;
using System.Numerics;
using SqlRsync.Protocol;

namespace SqlRsync.Engine.Deltas;

/// <summary>
/// A page cut into <see cref="ProtocolLimits.BlocksPerPage"/> equal blocks, for sending only the blocks
/// that changed. A block's hash is XXH3-64 with a seed the origin draws for each request, so that two
/// different blocks that happen to hash alike would not do so again on the next sync; such a pair
/// cannot reach a commit either, as the replica checks every rebuilt page against the origin's digest.
/// </summary>
internal static class PageBlocks
{
    public const int Count = ProtocolLimits.BlocksPerPage;

    /// <summary>Every block mask bit set: the whole page differs.</summary>
    public const uint AllBlocks = uint.MaxValue;

    public static void Hash(ReadOnlySpan<byte> page, ulong seed, Span<ulong> hashes)
    {
        int size = page.Length / Count;
        for (int block = 0; block < Count; block++)
        {
            hashes[block] = XxHash3.HashToUInt64(page.Slice(block * size, size), (long)seed);
        }
    }

    /// <summary>The mask of the blocks of <paramref name="page"/> whose hashes are not <paramref name="theirs"/>.</summary>
    public static uint Differing(ReadOnlySpan<byte> page, ulong seed, ReadOnlySpan<ulong> theirs)
    {
        Span<ulong> ours = stackalloc ulong[Count];
        Hash(page, seed, ours);
        uint mask = 0;
        for (int block = 0; block < Count; block++)
        {
            if (ours[block] != theirs[block])
            {
                mask |= 1u << block;
            }
        }
        return mask;
    }

    /// <summary>Copies the blocks <paramref name="mask"/> names, in order, into <paramref name="blocks"/>; returns their length.</summary>
    public static int Gather(ReadOnlySpan<byte> page, uint mask, Span<byte> blocks)
    {
        int size = page.Length / Count;
        int length = 0;
        for (; mask != 0; mask &= mask - 1)
        {
            int block = BitOperations.TrailingZeroCount(mask);
            page.Slice(block * size, size).CopyTo(blocks[length..]);
            length += size;
        }
        return length;
    }

    /// <summary>Writes the blocks <paramref name="mask"/> names over <paramref name="page"/>; <paramref name="blocks"/> holds exactly them, in order.</summary>
    public static void Apply(Span<byte> page, uint mask, ReadOnlySpan<byte> blocks)
    {
        int size = page.Length / Count;
        for (int offset = 0; mask != 0; mask &= mask - 1, offset += size)
        {
            int block = BitOperations.TrailingZeroCount(mask);
            blocks.Slice(offset, size).CopyTo(page[(block * size)..]);
        }
    }
}
