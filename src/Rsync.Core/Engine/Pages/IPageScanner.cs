namespace SqlRsync.Engine.Pages;

/// <summary>A database whose pages can be read in order or one by one: the origin's snapshot or the replica's transaction.</summary>
internal interface IPageScanner
{
    uint PageCount { get; }

    /// <summary>One page; the span is valid until the next read.</summary>
    ReadOnlySpan<byte> ReadPage(uint pageNumber);

    void ScanPages(uint first, uint last, PageVisitor visit);

    /// <summary>
    /// Readers of this same state for up to <paramref name="threads"/> threads at once, this one first;
    /// fewer when no more can join.
    /// </summary>
    ScannerGroup ForThreads(int threads);
}
