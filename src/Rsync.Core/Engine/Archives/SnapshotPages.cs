using SqlRsync.Engine.Pages;

namespace SqlRsync.Engine.Archives;

/// <summary>
/// A snapshot's pages, read from their packs: what a restore sends, and what an add reads of the
/// newest snapshot when the origin asks for block hashes. Every page read is checked against the compare
/// hash its map holds (and, encrypted, against its tag) before it is used: a damaged pack is an error
/// that names the snapshot and the page, never a wrong page. A scan, or a read of chosen pages (a
/// restore's), takes a window of pages at a time: for each pack the window's pages lie in, one read of
/// the span of their stored bytes, read ahead for the windows after it (<see cref="PackReadAhead"/>), so
/// that every byte is read about once, in few requests, however the pages are spread over the database
/// and over packs.
/// </summary>
internal sealed class SnapshotPages : IPageScanner
{
    /// <summary>Pages per window of a scan: 4 MiB of 4 KiB pages in memory at once.</summary>
    private const int WindowPages = 1024;

    /// <summary>Stored bytes between two wanted blobs of one pack below which one read takes both.</summary>
    private const long ReadThrough = 256 << 10;

    /// <summary>Runs of at least this many pages are opened on every core.</summary>
    private const int ParallelRun = 16;

    /// <summary>The most one read takes.</summary>
    private const long MostPerRead = 8 << 20;

    private readonly SnapshotArchive _archive;
    private readonly SnapshotRecord _snapshot;
    private readonly Lazy<PageMap> _map;
    private readonly uint _lockBytePage;
    private PageLocations? _locations;
    private byte[] _page = [];
    private readonly byte[][] _windows = [[], []];  // one read while the other is visited; kept between scans (a restore scans many runs)
    private byte[] _span = [];

    public SnapshotPages(SnapshotArchive archive, SnapshotRecord snapshot, PageMap map)
        : this(archive, snapshot, new Lazy<PageMap>(map))
    {
    }

    /// <summary>The pages of <paramref name="snapshot"/>, whose map is read when a page is first wanted (its record says how many there are).</summary>
    public SnapshotPages(SnapshotArchive archive, SnapshotRecord snapshot, Lazy<PageMap> map)
    {
        _archive = archive;
        _snapshot = snapshot;
        _map = map;
        _lockBytePage = LockBytePage.For(snapshot.PageSize);
    }

    public uint PageCount => _snapshot.PageCount;

    /// <summary>Pages read from packs so far.</summary>
    public long PagesRead => Interlocked.Read(ref _pagesRead);

    private long _pagesRead;

    public ReadOnlySpan<byte> ReadPage(uint pageNumber)
    {
        var location = Locate(pageNumber);
        byte[] stored;
        try
        {
            stored = _archive.Store.ReadRange(location.PackKey, location.Entry.Offset, (int)location.Entry.Length);
        }
        catch (IOException e)
        {
            throw _archive.Damaged(_snapshot, $"page {pageNumber}: pack {location.PackKey}: {e.Message}", e);
        }
        if (_page.Length != _snapshot.PageSize)
        {
            _page = new byte[_snapshot.PageSize];
        }
        Open(pageNumber, location, stored, _page);
        return _page;
    }

    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        var windows = new List<List<uint>>();
        var pages = new List<uint>((int)Math.Min(WindowPages, last - first + 1));
        for (long page = first; page <= last; page++)
        {
            if (page != _lockBytePage)
            {
                pages.Add((uint)page);
            }
            if (pages.Count == WindowPages || page == last)
            {
                windows.Add(pages);
                pages = new List<uint>(WindowPages);
            }
        }
        VisitWindows(windows, visit);
    }

    /// <summary>A window of pages at a time, each window's pages read pack by pack however they are spread over the database.</summary>
    public void ReadPages(IReadOnlyList<uint> pages, PageVisitor visit) =>
        VisitWindows([.. pages.Chunk(WindowPages).Select(window => window.ToList())], visit);

    /// <summary>Finds where only <paramref name="pages"/> lie, when they are few: a restore into a replica sends only what differs.</summary>
    public void WillRead(IReadOnlyList<uint> pages)
    {
        if (_locations is null && pages.Count < PageCount / 4)
        {
            try
            {
                _locations = PageLocations.Find(_archive, _map.Value, pages);
            }
            catch (InvalidDataException e)
            {
                throw _archive.Damaged(_snapshot, e.Message, e);
            }
        }
    }

    public ScannerGroup ForThreads(int threads) => ScannerGroup.Alone(this);

    /// <summary>
    /// Reads each window (at most <see cref="WindowPages"/> pages) into a buffer and visits its pages in
    /// order, reading the next window on another thread meanwhile: a restore's reading and opening of
    /// pages then overlaps its sending of them.
    /// </summary>
    private void VisitWindows(List<List<uint>> windows, PageVisitor visit)
    {
        if (windows.Count == 0)
        {
            return;
        }
        int length = windows.Max(window => window.Count) * _snapshot.PageSize;
        foreach (int i in (int[])[0, 1])
        {
            if (_windows[i].Length < length)
            {
                _windows[i] = new byte[length];
            }
        }
        var readAhead = new PackReadAhead(_archive.Store, windows.SelectMany(window => window).Select(Locate));
        var reading = Task.Run(() => ReadWindow(windows[0], _windows[0], readAhead));
        try
        {
            for (int at = 0; at < windows.Count; at++)
            {
                reading.GetAwaiter().GetResult();
                var window = _windows[at % 2];
                if (at + 1 < windows.Count)
                {
                    var next = windows[at + 1];
                    var into = _windows[(at + 1) % 2];
                    reading = Task.Run(() => ReadWindow(next, into, readAhead));
                }
                var pages = windows[at];
                for (int i = 0; i < pages.Count; i++)
                {
                    visit(pages[i], window.AsSpan(i * _snapshot.PageSize, _snapshot.PageSize));
                }
            }
        }
        finally
        {
            // A visitor that failed leaves a read under way: it must end before the buffers or the archive are let go.
            ((IAsyncResult)reading).AsyncWaitHandle.WaitOne();
        }
    }

    /// <summary>Page <c>pages[i]</c> into <paramref name="window"/> at <c>i</c> pages, pack by pack, each pack's wanted blobs in few reads.</summary>
    private void ReadWindow(List<uint> pages, byte[] window, PackReadAhead readAhead)
    {
        var byPack = new Dictionary<string, List<(int Slot, uint Page, BlobLocation Location)>>();
        for (int slot = 0; slot < pages.Count; slot++)
        {
            var location = Locate(pages[slot]);
            if (!byPack.TryGetValue(location.PackKey, out var wanted))
            {
                byPack[location.PackKey] = wanted = [];
            }
            wanted.Add((slot, pages[slot], location));
        }
        foreach (var (pack, wanted) in byPack)
        {
            wanted.Sort((a, b) => a.Location.Entry.Offset.CompareTo(b.Location.Entry.Offset));
            int from = 0;
            while (from < wanted.Count)
            {
                // One read for a run of wanted blobs whose gaps are small.
                int to = from;
                long start = wanted[from].Location.Entry.Offset;
                long end = End(wanted[from].Location);
                while (to + 1 < wanted.Count && wanted[to + 1].Location.Entry.Offset - end < ReadThrough
                    && Math.Max(end, End(wanted[to + 1].Location)) - start <= MostPerRead)
                {
                    end = Math.Max(end, End(wanted[++to].Location));
                }
                int length = (int)(end - start);
                if (_span.Length < length)
                {
                    _span = new byte[Math.Max(length, 1 << 20)];
                }
                var span = _span.AsSpan(0, length);
                try
                {
                    readAhead.Read(pack, start, span);
                }
                catch (IOException e)
                {
                    throw _archive.Damaged(_snapshot, $"page {wanted[from].Page}: pack {pack}: {e.Message}", e);
                }
                OpenRun(wanted, from, to, _span, start, window);
                from = to + 1;
            }
        }
    }

    /// <summary>
    /// Opens the pages <c>wanted[from..to]</c>, whose stored bytes are in <paramref name="read"/> from
    /// pack offset <paramref name="start"/>, each into its slot of <paramref name="window"/>: a long run
    /// on every core, since decompressing and checking a page costs more than reading it.
    /// </summary>
    private void OpenRun(List<(int Slot, uint Page, BlobLocation Location)> wanted, int from, int to, byte[] read, long start, byte[] window)
    {
        void OpenOne(int i)
        {
            var (slot, page, location) = wanted[i];
            Open(page, location, read.AsSpan((int)(location.Entry.Offset - start), (int)location.Entry.Length),
                window.AsSpan(slot * _snapshot.PageSize, _snapshot.PageSize));
        }
        if (to - from < ParallelRun || _archive.Sealer.IsEncrypted)
        {
            for (int i = from; i <= to; i++)
            {
                OpenOne(i);
            }
            return;
        }
        try
        {
            Parallel.For(from, to + 1, OpenOne);
        }
        catch (AggregateException e)
        {
            // A page's own failure (a damaged page names itself), as a run on one thread throws it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private static long End(BlobLocation location) => location.Entry.Offset + (long)location.Entry.Length;

    private BlobLocation Locate(uint pageNumber)
    {
        if (!_map.Value.Holds(pageNumber))
        {
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is not a page of snapshot {_snapshot.Id}");
        }
        try
        {
            if (_locations is null || !_locations.Covers(pageNumber))
            {
                _locations = PageLocations.Find(_archive, _map.Value);
            }
        }
        catch (InvalidDataException e)
        {
            throw _archive.Damaged(_snapshot, e.Message, e);
        }
        return _locations.Of(pageNumber)
            ?? throw _archive.Damaged(_snapshot, $"page {pageNumber} (blob {_map.Value.Id(pageNumber)}) is in no pack");
    }

    /// <summary>
    /// A page's plain bytes from its stored bytes into <paramref name="page"/>, checked against the hash
    /// its snapshot recorded (and, encrypted, its tag; an unencrypted checksum would find nothing more).
    /// </summary>
    private void Open(uint pageNumber, BlobLocation location, ReadOnlySpan<byte> stored, Span<byte> page)
    {
        try
        {
            Span<byte> context = stackalloc byte[BlobReader.ContextLength];
            BlobReader.WriteContext(BlobKind.Page, location.Entry.Id, context);
            _archive.Sealer.OpenInto(stored, context, page, plainChecked: true);
        }
        catch (InvalidDataException e)
        {
            throw _archive.Damaged(_snapshot, $"page {pageNumber}: blob {location.Entry.Id} in pack {location.PackKey}: {e.Message}", e);
        }
        if (PageHasher.Hash(pageNumber, page, _lockBytePage, _archive.CompareSeed) != _map.Value.Leaf(pageNumber))
        {
            throw _archive.Damaged(_snapshot, $"page {pageNumber} (blob {location.Entry.Id}) does not hold the page the snapshot recorded");
        }
        Interlocked.Increment(ref _pagesRead);
    }
}
