namespace Rsync.Core.Pages;

/// <summary>Where a replica's new pages go: an existing database's write transaction, or a brand-new file.</summary>
public interface IPageWriter
{
    int PageSize { get; }

    /// <summary>Writes one page; returns the hash-tree leaf of the page as stored (see <see cref="Sync.PageHasher"/>).</summary>
    UInt128 WritePage(uint pageNumber, ReadOnlySpan<byte> data);

    /// <summary>Ends with exactly <paramref name="pageCount"/> pages, durably; nothing is visible before.</summary>
    void Commit(uint pageCount);
}
