using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// The origin's pages, read through sqlite_dbpage inside one read transaction (the snapshot) that is
/// held from <see cref="PinSnapshot"/> to <see cref="ReleaseSnapshot"/>, so every page comes from the
/// same snapshot while other processes keep writing. In rollback-journal mode that read transaction
/// blocks the database's writers, so it is pinned only once the replica is ready and released as soon
/// as the last page is read. It never writes: the connection is query_only, creates nothing (no temp
/// tables), and does not checkpoint when it closes (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). The one write
/// SQLite itself may make on opening is the rollback of a hot journal left by a crashed writer, which
/// every reader of that database must make before it can read.
/// </summary>
internal sealed class PageSource : IPageScanner, IDisposable
{
    /// <summary>
    /// How much of the file SQLite maps into memory (our build's ceiling, 1 TiB) when pages must be read
    /// through sqlite_dbpage. Reading a page through the map costs a copy; through pread it costs a
    /// system call as well, several times slower here (docs/benchmarks.md, "Reading pages"). SQLite maps
    /// read-only and reads pages in the WAL from the WAL, as without the map. The mapped pages count in
    /// the process's resident size, but they are the kernel's page cache, shared and reclaimable, not
    /// memory of ours. Reads straight from the file (<see cref="DatabaseFileReader"/>) go without the
    /// map: a pread of 1 MiB costs less than touching the same bytes through a fresh map.
    /// </summary>
    private const long MemoryMapBytes = 1L << 40;

    private readonly SqliteDatabase _database;
    private readonly DbpageReader _reader;
    private readonly List<PageSource> _joined = [];
    /// <summary>Set while the pinned snapshot takes every page from the database file.</summary>
    private DatabaseFileReader? _file;
    private long _pagesReadFromFile;

    private PageSource(SqliteDatabase database)
    {
        _database = database;
        _reader = new DbpageReader(database);
    }

    public string Path => _database.Path;

    public int PageSize { get; private set; }

    public uint PageCount { get; private set; }

    /// <summary>Pages read through this source and the connections that joined it so far (hashing and sending alike).</summary>
    public long PagesRead => _reader.PagesRead + _pagesReadFromFile + (_file?.PagesRead ?? 0) + _joined.Sum(source => source.PagesRead);

    /// <summary>Whether the snapshot's page 1 marks the database as WAL (file format bytes 18-19 = 2).</summary>
    public bool IsWal { get; private set; }

    /// <summary>Whether the pinned snapshot's pages are read straight from the database file (see <see cref="PinSnapshotOn"/>).</summary>
    internal bool ReadsFileDirectly => _file != null;

    /// <summary>Opens <paramref name="path"/> for reading; no snapshot is pinned yet.</summary>
    /// <exception cref="SqliteCallException">The file cannot be opened.</exception>
    public static PageSource Open(string path, TimeSpan busyTimeout)
    {
        var database = SqliteDatabase.Open(path, create: false);
        try
        {
            database.SetConfig(SqliteNative.DbConfigNoCheckpointOnClose, true);
            database.SetBusyTimeout(busyTimeout);
            database.Execute("PRAGMA query_only = 1");
            return new PageSource(database);
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> and pins a snapshot of it at once.</summary>
    /// <exception cref="SqliteCallException">The file cannot be opened or is not a database.</exception>
    public static PageSource OpenSnapshot(string path, TimeSpan busyTimeout)
    {
        var source = Open(path, busyTimeout);
        try
        {
            source.PinSnapshot();
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>The page size as it is now, read in a read transaction of its own that ends at once.</summary>
    /// <exception cref="SqliteCallException">The file is not a database.</exception>
    public int ReadPageSize() => checked((int)_database.QueryInt64("PRAGMA page_size"));

    /// <summary>The database file's permission bits (rwxrwxrwx), which a new replica of it takes.</summary>
    public int FileMode => (int)SqlRsync.Platform.Permissions.Of(_database.Path);

    /// <summary>The page count as it is now, read in a read transaction of its own that ends at once.</summary>
    public uint ReadPageCount() => checked((uint)_database.QueryInt64("PRAGMA page_count"));

    /// <summary>Starts the read transaction: from here on every page is from this snapshot.</summary>
    public void PinSnapshot() => PinSnapshotOn(walSnapshot: 0);

    /// <summary>
    /// Starts the read transaction, on <paramref name="walSnapshot"/> when it is not 0. When that
    /// transaction takes every page from the database file, pages are read from the file itself: in
    /// rollback-journal mode our read lock keeps every writer from changing the file; in WAL mode, a
    /// snapshot without WAL frames (sqlite3_snapshot_get has none to give) reads the file alone, and
    /// no checkpoint may write into the file while such a reader holds its lock. Otherwise pages come
    /// through sqlite_dbpage, which finds the newer ones in the WAL.
    /// </summary>
    private void PinSnapshotOn(nint walSnapshot)
    {
        StopReadingFile();
        if (walSnapshot != 0)
        {
            // sqlite3_snapshot_open needs a connection that has read the file and knows it is WAL.
            _database.QueryInt64("PRAGMA application_id");
        }
        _database.Execute("BEGIN");
        if (walSnapshot != 0)
        {
            _database.OpenSnapshot(walSnapshot);
        }
        // The first read starts the read transaction.
        _database.QueryInt64("SELECT count(*) FROM sqlite_schema");
        PageSize = checked((int)_database.QueryInt64("PRAGMA page_size"));
        PageCount = checked((uint)_database.QueryInt64("PRAGMA page_count"));
        IsWal = _reader.IsWalDatabase(PageCount);
        _file = walSnapshot == 0 && !ReadsWalFrames() ? DatabaseFileReader.For(_database, PageSize, PageCount) : null;
        if (_file == null)
        {
            _database.Execute($"PRAGMA mmap_size = {MemoryMapBytes}");
        }
    }

    public ScannerGroup ForThreads(int threads) => new(this, JoinMore(threads - 1));

    /// <summary>
    /// Up to <paramref name="count"/> more connections that read exactly this pinned snapshot: in WAL
    /// mode they open it (sqlite3_snapshot_open), or, while the WAL holds no frames and there is no
    /// snapshot to open, they read the database file alone as we do and must find the WAL still empty;
    /// in rollback-journal mode our read lock keeps every writer from committing, so they see what we
    /// see (page 1 and the page count are compared to be sure). A connection that cannot join at once
    /// is left out: in rollback-journal mode a writer waiting for our lock keeps new readers out, and
    /// nothing here may wait for it.
    /// </summary>
    internal IReadOnlyList<PageSource> JoinMore(int count)
    {
        var joined = new List<PageSource>();
        if (count <= 0 || PageCount == 0)
        {
            return joined;
        }
        nint walSnapshot = IsWal ? _database.TryGetSnapshot() : 0;
        try
        {
            while (joined.Count < count && TryJoin(walSnapshot) is { } other)
            {
                joined.Add(other);
            }
        }
        finally
        {
            if (walSnapshot != 0)
            {
                SqliteNative.SnapshotFree(walSnapshot);
            }
        }
        _joined.AddRange(joined);
        return joined;
    }

    private PageSource? TryJoin(nint walSnapshot)
    {
        PageSource? other = null;
        try
        {
            other = Open(Path, busyTimeout: TimeSpan.Zero);
            other.PinSnapshotOn(walSnapshot);
            bool sameState = other.PageSize == PageSize && other.PageCount == PageCount && other.ReadPage(1).SequenceEqual(ReadPage(1))
                && (walSnapshot != 0 || !IsWal || !other.ReadsWalFrames());
            if (sameState)
            {
                return other;
            }
        }
        catch (SqliteCallException)
        {
        }
        other?.Dispose();
        return null;
    }

    /// <summary>
    /// Whether this read transaction may read frames of a WAL: never in rollback-journal mode; in WAL
    /// mode once any commit has gone into the WAL since its index was last rebuilt (it stays so after
    /// checkpoints: a safe answer, not always the least one).
    /// </summary>
    private bool ReadsWalFrames()
    {
        nint snapshot = _database.TryGetSnapshot();
        SqliteNative.SnapshotFree(snapshot);
        return snapshot != 0;
    }

    /// <summary>The file may change once the read transaction ends: no more reads from it.</summary>
    private void StopReadingFile()
    {
        _pagesReadFromFile += _file?.PagesRead ?? 0;
        _file = null;
    }

    /// <summary>The WAL of the pinned snapshot, read through SQLite's own handle; null when it has none open.</summary>
    internal WalFile? Wal() => WalFile.Of(_database, PageSize);

    /// <summary>Ends the read transaction, so that no writer of a rollback-journal database waits for it.</summary>
    public void ReleaseSnapshot()
    {
        StopReadingFile();
        _reader.Reset();
        _database.Execute("ROLLBACK");
    }

    /// <summary>One page; the span is valid until the next read from this source.</summary>
    public ReadOnlySpan<byte> ReadPage(uint pageNumber) => _file != null ? _file.ReadPage(pageNumber) : _reader.ReadPage(pageNumber, PageCount);

    /// <summary>
    /// Calls <paramref name="visit"/> for pages <paramref name="first"/> to <paramref name="last"/> in
    /// order, in one scan; each span is valid only during its call.
    /// </summary>
    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        if (_file != null)
        {
            _file.ScanPages(first, last, visit);
        }
        else
        {
            _reader.ScanPages(first, last, visit);
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _database.Dispose();
    }
}
