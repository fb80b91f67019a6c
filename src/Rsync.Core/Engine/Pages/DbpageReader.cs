using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine.Pages;

/// <summary>Reads raw pages of a connection's database file (its <see cref="SqliteDatabase.Schema"/>) through sqlite_dbpage.</summary>
internal sealed class DbpageReader : IDisposable
{
    private readonly SqliteStatement _pageByNumber;
    // sqlite_dbpage only uses pgno = ?; a lower bound costs a step over every page below it (rows it
    // filters out are never asked for their data), and we stop stepping at the upper bound ourselves.
    private readonly SqliteStatement _pagesFrom;

    public DbpageReader(SqliteDatabase database)
    {
        _pageByNumber = database.Prepare($"SELECT data FROM sqlite_dbpage('{database.Schema}') WHERE pgno = ?1");
        _pagesFrom = database.Prepare($"SELECT pgno, data FROM sqlite_dbpage('{database.Schema}') WHERE pgno >= ?1");
    }

    /// <summary>Pages read so far, one by one or in scans.</summary>
    public long PagesRead { get; private set; }

    public ReadOnlySpan<byte> ReadPage(uint pageNumber, uint pageCount)
    {
        PagesRead++;
        _pageByNumber.Reset();
        _pageByNumber.BindInt64(1, pageNumber);
        if (!_pageByNumber.Step())
        {
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is past the end ({pageCount} pages)");
        }
        return _pageByNumber.ColumnBlob(0);
    }

    /// <summary>Whether page 1 marks a WAL database (file format bytes 18-19 = 2); an empty database is not one.</summary>
    public bool IsWalDatabase(uint pageCount) => pageCount > 0 && ReadPage(1, pageCount)[18] == 2;

    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        // sqlite_dbpage takes no range: a scan from page N steps over pages 1 to N-1 first. Where those
        // outnumber the pages wanted (a chunk deep in a shared scan, the pages under a changed node),
        // each page is looked up by number instead: stepping from page 1 every time made scans in
        // chunks quadratic (a watch's first cycle over 4 GiB hashed at 237 MB/s) and a kept tree's
        // update grow with the database.
        if (first > 1 && last - first < first)
        {
            for (uint pageNumber = first; pageNumber <= last; pageNumber++)
            {
                _pageByNumber.Reset();
                _pageByNumber.BindInt64(1, pageNumber);
                if (!_pageByNumber.Step())
                {
                    break;
                }
                PagesRead++;
                visit(pageNumber, _pageByNumber.ColumnBlob(0));
            }
            _pageByNumber.Reset();
            return;
        }
        _pagesFrom.Reset();
        _pagesFrom.BindInt64(1, first);
        try
        {
            while (_pagesFrom.Step())
            {
                uint pageNumber = (uint)_pagesFrom.ColumnInt64(0);
                if (pageNumber > last)
                {
                    break;
                }
                PagesRead++;
                visit(pageNumber, _pagesFrom.ColumnBlob(1));
            }
        }
        finally
        {
            _pagesFrom.Reset();
        }
    }

    /// <summary>Resets both statements: a statement left on a row keeps the read transaction open after ROLLBACK.</summary>
    public void Reset()
    {
        _pageByNumber.Reset();
        _pagesFrom.Reset();
    }

    public void Dispose()
    {
        _pageByNumber.Dispose();
        _pagesFrom.Dispose();
    }
}

/// <summary>Receives one page of a scan; <paramref name="data"/> is valid only during the call.</summary>
internal delegate void PageVisitor(uint pageNumber, ReadOnlySpan<byte> data);
