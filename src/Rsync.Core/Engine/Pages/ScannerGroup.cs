namespace SqlRsync.Engine.Pages;

/// <summary>
/// Readers of one database state for several threads at once: the first is the caller's own; the
/// others are extra connections that joined its read transaction, which disposing the group closes.
/// </summary>
internal sealed class ScannerGroup(IPageScanner own, IReadOnlyList<PageSource> joined) : IDisposable
{
    public static ScannerGroup Alone(IPageScanner own) => new(own, []);

    public IReadOnlyList<IPageScanner> Scanners { get; } = [own, .. joined];

    public void Dispose()
    {
        foreach (var source in joined)
        {
            source.Dispose();
        }
    }
}
