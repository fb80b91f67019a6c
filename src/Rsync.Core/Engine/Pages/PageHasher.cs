using System.IO.Hashing;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// The hash of one page, XXH3-128 with a seed: a leaf of the hash tree, with the sync's random seed
/// (the seed both sides agreed on), or a term of a replica's content digest, with seed 0 (a digest
/// recorded by one sync must mean the same to the next). The lock-byte page and pages the database
/// does not have hash to 0 (they match each other and never travel). Page 1 is hashed without its
/// bytes 24-27 and 92-99, which SQLite rewrites on every rollback-mode commit: a replica whose only
/// change is its own change counter is identical.
/// </summary>
internal static class PageHasher
{
    public static UInt128 Hash(uint pageNumber, ReadOnlySpan<byte> data, uint lockBytePage, long seed = 0)
    {
        if (pageNumber == lockBytePage)
        {
            return 0;
        }
        if (pageNumber == 1)
        {
            var pageOne = data.ToArray();
            pageOne.AsSpan(24, 4).Clear();
            pageOne.AsSpan(92, 8).Clear();
            return XxHash128.HashToUInt128(pageOne, seed);
        }
        return XxHash128.HashToUInt128(data, seed);
    }

    /// <summary>The hashes of <paramref name="pages"/> (ascending, distinct), in the same order.</summary>
    public static UInt128[] Hash(IPageScanner database, int pageSize, IReadOnlyList<uint> pages, long seed = 0)
    {
        var hashes = new UInt128[pages.Count];
        uint lockBytePage = LockBytePage.For(pageSize);
        var present = pages.Where(page => page <= database.PageCount).ToList();
        int index = 0;
        database.ReadPages(present, (pageNumber, data) =>
        {
            while (pages[index] != pageNumber)
            {
                index++;
            }
            hashes[index] = Hash(pageNumber, data, lockBytePage, seed);
        });
        return hashes;
    }
}
