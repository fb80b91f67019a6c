using Rsync.Core.Hashing;
using Rsync.Core.Pages;

namespace Rsync.Core.Sync;

/// <summary>
/// Hashes pages 1..N of a database into leaf hashes. The lock-byte page and pages the database does
/// not have get hash 0 (they match each other and never travel). Page 1 is hashed without its bytes
/// 24-27 and 92-99, which SQLite rewrites on every rollback-mode commit: a replica whose only change
/// is its own change counter is identical.
/// </summary>
public static class PageHasher
{
    public static UInt128[] HashPages(IPageScanner database, uint pageCount, int pageSize)
    {
        var leaves = new UInt128[pageCount];
        uint last = Math.Min(pageCount, database.PageCount);
        if (last == 0)
        {
            return leaves;
        }
        uint lockBytePage = LockBytePage.For(pageSize);
        var pageOne = new byte[pageSize];
        database.ScanPages(1, last, (pageNumber, data) =>
        {
            if (pageNumber == lockBytePage)
            {
                return;
            }
            if (pageNumber == 1)
            {
                data.CopyTo(pageOne);
                MaskRewrittenHeaderBytes(pageOne);
                data = pageOne;
            }
            leaves[pageNumber - 1] = XxHash128.HashToUInt128(data);
        });
        return leaves;
    }

    private static void MaskRewrittenHeaderBytes(Span<byte> pageOne)
    {
        pageOne[24..28].Clear();
        pageOne[92..100].Clear();
    }
}
