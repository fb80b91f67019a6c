namespace SqlRsync.Engine.Pages;

/// <summary>Where a replica's new pages go: an existing database's write transaction, or a brand-new file.</summary>
internal interface IPageWriter
{
    int PageSize { get; }

    /// <summary>The permission bits the replica file has, or (a new one) will have: sqlrsync's files beside it are never wider.</summary>
    UnixFileMode FileMode { get; }

    /// <summary>
    /// Writes one page of <see cref="PageSize"/> bytes (never page 0 or the lock-byte page: the caller
    /// checks) and returns the hash-tree leaf of the page as stored (see <see cref="SqlRsync.Engine.Pages.PageHasher"/>).
    /// </summary>
    UInt128 WritePage(uint pageNumber, ReadOnlySpan<byte> data);

    /// <summary>Ends with exactly <paramref name="pageCount"/> pages, durably; nothing is visible before.</summary>
    void Commit(uint pageCount);
}
