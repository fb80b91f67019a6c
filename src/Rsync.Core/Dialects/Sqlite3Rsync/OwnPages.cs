using SqlRsync.Engine;

namespace SqlRsync.Dialects.Sqlite3Rsync;

/// <summary>
/// A replica's pages as sqlite3_rsync's protocol asks about them: each page's 20-byte hash (ranges are
/// hashed from these), and its leaf, our content digest's term, which the replica's record keeps
/// (<see cref="ReplicaSession"/>). 36 bytes per page.
/// </summary>
internal sealed class OwnPages(uint pageCount, int pageSize)
{
    private readonly byte[] _hashes = new byte[checked((int)pageCount * Sqlite3RsyncHash.Length)];
    private readonly UInt128[] _leaves = new UInt128[pageCount];

    public uint PageCount => pageCount;

    /// <summary>Takes one page as the replica hashes it (<see cref="ReplicaSession.HashPages"/>).</summary>
    public void Add(uint pageNumber, ReadOnlySpan<byte> data, UInt128 leaf)
    {
        Sqlite3RsyncHash.Compute(data, _hashes.AsSpan((int)(pageNumber - 1) * Sqlite3RsyncHash.Length, Sqlite3RsyncHash.Length));
        _leaves[pageNumber - 1] = leaf;
    }

    /// <summary>Our content digest's term for a page as it was.</summary>
    public UInt128 Leaf(uint pageNumber) => _leaves[pageNumber - 1];

    /// <summary>
    /// The hash sqlite3_rsync sends for <paramref name="count"/> pages from <paramref name="first"/>: the
    /// page's own hash for one page, else the hash of the hashes of those of them we have.
    /// </summary>
    public void HashOf(uint first, uint count, Span<byte> hash)
    {
        if (pageCount == 0)
        {
            Sqlite3RsyncHash.Compute(new byte[pageSize], hash);
            return;
        }
        if (count == 1)
        {
            _hashes.AsSpan((int)(first - 1) * Sqlite3RsyncHash.Length, Sqlite3RsyncHash.Length).CopyTo(hash);
            return;
        }
        uint last = (uint)Math.Min((ulong)first + count - 1, pageCount);
        var range = new Sqlite3RsyncHash();
        range.Append(_hashes.AsSpan((int)(first - 1) * Sqlite3RsyncHash.Length, (int)(last - first + 1) * Sqlite3RsyncHash.Length));
        range.Finish(hash);
    }
}
