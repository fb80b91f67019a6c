using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// A digest of a whole database's content that does not depend on the order pages are seen in: the
/// sum, modulo 2^128, of one hash per page (the page's number and its hash-tree leaf), folded with the
/// page count. Replacing a page changes the sum by that page's terms only, so the replica learns the
/// digest of what it commits from the pages it writes, without reading the others again. The
/// lock-byte page never counts (it is never written).
/// </summary>
internal sealed class ContentDigest(int pageSize)
{
    private readonly uint _lockBytePage = LockBytePage.For(pageSize);
    private UInt128 _sum;

    public void Add(uint pageNumber, UInt128 leaf)
    {
        if (pageNumber != _lockBytePage)
        {
            _sum += Term(pageNumber, leaf);
        }
    }

    public void Remove(uint pageNumber, UInt128 leaf)
    {
        if (pageNumber != _lockBytePage)
        {
            _sum -= Term(pageNumber, leaf);
        }
    }

    /// <summary>Adds everything another digest holds (of other pages of the same database).</summary>
    public void Add(ContentDigest other) => _sum += other._sum;

    public ContentDigest Copy() => new(pageSize) { _sum = _sum };

    /// <summary>The digest of every page of <paramref name="database"/>, read in one scan.</summary>
    public static string Of(IPageScanner database, int pageSize)
    {
        var content = new ContentDigest(pageSize);
        uint lockBytePage = LockBytePage.For(pageSize);
        database.ScanPages(1, database.PageCount, (pageNumber, data) => content.Add(pageNumber, PageHasher.Hash(pageNumber, data, lockBytePage)));
        return content.Value(database.PageCount);
    }

    /// <summary>The digest of a database of <paramref name="pageCount"/> pages whose pages are all added, as 32 hex digits.</summary>
    public string Value(uint pageCount)
    {
        Span<byte> folded = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(folded, pageCount);
        BinaryPrimitives.WriteUInt128LittleEndian(folded[4..], _sum);
        return XxHash128.HashToUInt128(folded).ToString("x32", CultureInfo.InvariantCulture);
    }

    private static UInt128 Term(uint pageNumber, UInt128 leaf)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(bytes, leaf);
        return XxHash128.HashToUInt128(bytes, seed: pageNumber);
    }
}
