using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// Reads pages of a connection's main database straight from its file, through the file handle SQLite
/// itself holds open (SQLITE_FCNTL_FILE_POINTER, then the handle's xRead), a run of pages per call.
/// Only correct while the connection's read transaction takes every page from the file: in
/// rollback-journal mode (the read lock keeps writers from changing the file), or in WAL mode while the
/// snapshot holds no WAL frame (a checkpoint cannot write into the file while a reader that reads the
/// file alone holds its lock). <see cref="PageSource"/> decides that. It reads what sqlite_dbpage would
/// return, several times faster (docs/benchmarks.md, "Reading pages"): one pread per run instead of one
/// virtual-table row per page. No new file handle is opened, so SQLite's POSIX locks are never
/// dropped (seed 001).
/// </summary>
internal sealed unsafe class DatabaseFileReader
{
    /// <summary>Bytes read per call in a scan: 1 MiB, or one page when pages are larger.</summary>
    private const int RunBytes = 1 << 20;

    private const int FileControlFilePointer = 7;
    private const int IoErrorShortRead = 10 | (2 << 8);

    /// <summary>sqlite3_file*: its first field points to the sqlite3_io_methods.</summary>
    private readonly nint _file;
    /// <summary>sqlite3_io_methods.xRead, after iVersion and xClose.</summary>
    private readonly delegate* unmanaged<nint, byte*, int, long, int> _read;
    private readonly int _pageSize;
    private readonly uint _pageCount;
    private readonly uint _lockBytePage;
    private readonly byte[] _run;

    private DatabaseFileReader(nint file, int pageSize, uint pageCount)
    {
        _file = file;
        var methods = *(nint**)file;
        _read = (delegate* unmanaged<nint, byte*, int, long, int>)methods[2];
        _pageSize = pageSize;
        _pageCount = pageCount;
        _lockBytePage = LockBytePage.For(pageSize);
        _run = new byte[Math.Max(pageSize, RunBytes / pageSize * pageSize)];
    }

    /// <summary>Pages read so far, one by one or in scans.</summary>
    public long PagesRead { get; private set; }

    /// <summary>A reader of <paramref name="database"/>'s main file, or null when SQLite has no file open for it.</summary>
    public static DatabaseFileReader? For(SqliteDatabase database, int pageSize, uint pageCount)
    {
        nint file = database.FileControlPointer(FileControlFilePointer);
        return file == 0 || *(nint*)file == 0 ? null : new DatabaseFileReader(file, pageSize, pageCount);
    }

    public ReadOnlySpan<byte> ReadPage(uint pageNumber)
    {
        if (pageNumber == 0 || pageNumber > _pageCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pageNumber), $"page {pageNumber} is past the end ({_pageCount} pages)");
        }
        PagesRead++;
        return ReadRun(pageNumber, 1);
    }

    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        uint runPages = (uint)(_run.Length / _pageSize);
        last = Math.Min(last, _pageCount);
        for (ulong start = Math.Max(first, 1u); start <= last; start += runPages)
        {
            uint from = (uint)start, count = (uint)Math.Min(runPages, last - start + 1);
            var run = ReadRun(from, count);
            for (uint i = 0; i < count; i++)
            {
                PagesRead++;
                visit(from + i, run.Slice((int)i * _pageSize, _pageSize));
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> pages from <paramref name="first"/>, as SQLite's pager sees them: past the
    /// end of a short file as zeros (xRead fills them and says so), the lock-byte page as zeros (as
    /// sqlite_dbpage gives it).
    /// </summary>
    private Span<byte> ReadRun(uint first, uint count)
    {
        var run = _run.AsSpan(0, (int)count * _pageSize);
        int rc;
        fixed (byte* into = run)
        {
            rc = _read(_file, into, run.Length, (first - 1L) * _pageSize);
        }
        if (rc != SqliteNative.Ok && rc != IoErrorShortRead)
        {
            throw new SqliteCallException($"cannot read pages {first} to {first + count - 1}: {SqliteNative.ErrorString(rc)}", rc);
        }
        if (_lockBytePage >= first && _lockBytePage < first + count)
        {
            run.Slice((int)(_lockBytePage - first) * _pageSize, _pageSize).Clear();
        }
        return run;
    }
}
