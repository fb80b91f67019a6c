namespace SqlRsync.Engine.Pages;

/// <summary>
/// Reads a chosen set of pages: one sequential scan when they lie close together; when they are
/// scattered, one scan per run of consecutive pages and one lookup per page alone (sqlite_dbpage can
/// only seek to a single page number, not to a range).
/// </summary>
internal static class SelectedPages
{
    /// <summary>
    /// A scan is cheaper once at least one page in this many of the spanned range is wanted; below that,
    /// lookups win (docs/benchmarks.md, "Scans or lookups").
    /// </summary>
    private const int DenseRatio = 2;

    /// <summary>Visits <paramref name="pages"/> (ascending, distinct, each at most the database's page count) in order.</summary>
    public static void Read(IPageScanner database, IReadOnlyList<uint> pages, PageVisitor visit)
    {
        if (pages.Count == 0)
        {
            return;
        }
        uint first = pages[0], last = pages[^1];
        if ((ulong)pages.Count * DenseRatio >= last - first + 1)
        {
            var wanted = new System.Collections.BitArray((int)(last - first + 1));
            foreach (var pageNumber in pages)
            {
                wanted[(int)(pageNumber - first)] = true;
            }
            database.ScanPages(first, last, (pageNumber, data) =>
            {
                if (wanted[(int)(pageNumber - first)])
                {
                    visit(pageNumber, data);
                }
            });
        }
        else
        {
            // Runs of consecutive pages (the pages under one level-1 node of the hash tree are one)
            // are scanned: one statement or one read per run instead of one per page.
            for (int start = 0, end; start < pages.Count; start = end + 1)
            {
                for (end = start; end + 1 < pages.Count && pages[end + 1] == pages[end] + 1; end++)
                {
                }
                if (end == start)
                {
                    visit(pages[start], database.ReadPage(pages[start]));
                }
                else
                {
                    database.ScanPages(pages[start], pages[end], visit);
                }
            }
        }
    }
}
