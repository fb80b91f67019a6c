namespace SqlRsync.Engine.Pages;

/// <summary>A database whose pages can be read in order or one by one: the origin's snapshot or the replica's transaction.</summary>
internal interface IPageScanner
{
    uint PageCount { get; }

    /// <summary>One page; the span is valid until the next read.</summary>
    ReadOnlySpan<byte> ReadPage(uint pageNumber);

    void ScanPages(uint first, uint last, PageVisitor visit);

    /// <summary>
    /// Visits <paramref name="pages"/> (ascending, distinct, each at most <see cref="PageCount"/>) in
    /// order: by scans and lookups (<see cref="SelectedPages"/>), unless the scanner knows a better way.
    /// </summary>
    void ReadPages(IReadOnlyList<uint> pages, PageVisitor visit) => SelectedPages.Read(this, pages, visit);

    /// <summary>Says which pages (ascending) will be read next, in one call or several, for a scanner that can prepare for them.</summary>
    void WillRead(IReadOnlyList<uint> pages)
    {
    }

    /// <summary>
    /// Readers of this same state for up to <paramref name="threads"/> threads at once, this one first;
    /// fewer when no more can join.
    /// </summary>
    ScannerGroup ForThreads(int threads);
}
