namespace Rsync.Core.Pages;

/// <summary>A database whose pages can be read in order: the origin's snapshot or the replica's transaction.</summary>
public interface IPageScanner
{
    uint PageCount { get; }

    void ScanPages(uint first, uint last, PageVisitor visit);
}
