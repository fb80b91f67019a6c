namespace SqlRsync.Engine.Pages;

/// <summary>
/// One snapshot's pages read by several threads at once (one origin, many replicas): every read of
/// the single SQLite connection happens under one lock and is copied out, so a thread holds the lock
/// only while SQLite reads, never while it hashes, compresses or sends what it read.
/// </summary>
internal sealed class SharedPages(IPageScanner source, int pageSize) : IPageScanner, IDisposable
{
    /// <summary>Pages copied per turn of a scan: 1 MiB of 4 KiB pages.</summary>
    private const int ChunkPages = 256;

    private readonly object _reading = new();
    private readonly ThreadLocal<byte[]> _page = new(() => new byte[pageSize]);
    private readonly ThreadLocal<byte[]> _chunk = new(() => new byte[ChunkPages * pageSize]);

    public uint PageCount => source.PageCount;

    /// <summary>Its threads already share one connection: no more join it.</summary>
    public ScannerGroup ForThreads(int threads) => ScannerGroup.Alone(this);

    /// <summary>One page, valid until this thread's next read.</summary>
    public ReadOnlySpan<byte> ReadPage(uint pageNumber)
    {
        var page = _page.Value!;
        lock (_reading)
        {
            source.ReadPage(pageNumber).CopyTo(page);
        }
        return page;
    }

    /// <summary>Pages in order, a chunk at a time: each chunk is read under the lock, then visited outside it.</summary>
    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        var chunk = _chunk.Value!;
        var present = new bool[ChunkPages];
        for (ulong start = first; start <= last; start += ChunkPages)
        {
            uint from = (uint)start, to = (uint)Math.Min(last, start + ChunkPages - 1);
            Array.Clear(present);
            lock (_reading)
            {
                source.ScanPages(from, to, (pageNumber, data) =>
                {
                    data.CopyTo(chunk.AsSpan((int)(pageNumber - from) * pageSize, pageSize));
                    present[pageNumber - from] = true;
                });
            }
            for (uint pageNumber = from; pageNumber <= to; pageNumber++)
            {
                if (present[(int)(pageNumber - from)])
                {
                    visit(pageNumber, chunk.AsSpan((int)(pageNumber - from) * pageSize, pageSize));
                }
            }
        }
    }

    public void Dispose()
    {
        _page.Dispose();
        _chunk.Dispose();
    }
}
