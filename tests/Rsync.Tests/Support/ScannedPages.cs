using SqlRsync.Engine.Pages;

namespace SqlRsync.Tests.Support;

/// <summary>The bytes of a run of pages, read in one scan, which must visit each page of the run once, in order.</summary>
internal static class ScannedPages
{
    public static byte[] All(IPageScanner scanner) => Range(scanner, 1, scanner.PageCount);

    public static byte[] Range(IPageScanner scanner, uint first, uint last)
    {
        var pages = new MemoryStream();
        uint expected = first;
        scanner.ScanPages(first, last, (pageNumber, data) =>
        {
            Assert.Equal(expected++, pageNumber);
            pages.Write(data);
        });
        Assert.Equal(last + 1, expected);
        return pages.ToArray();
    }
}
