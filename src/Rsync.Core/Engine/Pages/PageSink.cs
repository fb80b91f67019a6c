using SqlRsync.Engine.Sqlite;

namespace SqlRsync.Engine.Pages;

/// <summary>
/// The replica's side: one write transaction (BEGIN IMMEDIATE) that is held from opening until
/// <see cref="Commit"/> or disposal, so the pages read for comparison are the pages overwritten, and
/// readers see either the old database or the new one. Pages go in through sqlite_dbpage; the
/// commit is durable (synchronous=FULL). Disposing without committing rolls back. It opens only a
/// file that exists (a new replica is a <see cref="NewReplicaFile"/>).
/// Until the first write, pages are read through a second connection, read-only and memory-mapped
/// (SQLite maps no pages for a connection that holds the write lock, and pread is slower:
/// docs/benchmarks.md, "Reading pages"): as we hold the write lock, its read transaction sees exactly
/// what ours does. It ends before the first write, since in rollback-journal mode our own read lock
/// would keep us from writing.
/// A page 1 with another schema cookie (an index the origin lacks) makes SQLite re-read the schema
/// from half-written pages before the next statement that checks it, and call the replica malformed.
/// So page 1 is written last, at the commit, after every read; and the file is attached to an
/// in-memory main database (<see cref="SqliteDatabase.OpenAttached"/>), whose cookie alone the
/// statements that write pages check, so the truncation after page 1 still runs. Nor may SQLite
/// auto-vacuum at the commit: the pages written are the content, free pages and all.
/// A failed transaction is rolled back before disposal returns, also when SQLite's pager gave up in
/// an error state (a full disk during a cache spill) and left a hot journal for the next opener.
/// </summary>
internal sealed class PageSink : IPageScanner, IPageWriter, IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly DbpageReader _reader;
    private readonly SqliteStatement _writePage;
    private readonly TimeSpan _busyTimeout;
    /// <summary>Keeps the connection after a commit, for a watch's next sync; it closes it after a failure.</summary>
    private readonly KeptConnection? _kept;
    private PageSource? _comparing;
    private byte[]? _pageOne;  // written at the commit
    private uint _highestPageWritten;
    private bool _committed;

    private PageSink(SqliteDatabase database, TimeSpan busyTimeout, KeptConnection? kept)
    {
        _database = database;
        _busyTimeout = busyTimeout;
        _kept = kept;
        _reader = new DbpageReader(database);
        FileMode = SqlRsync.Platform.Permissions.Of(database.Path);
        _writePage = database.Prepare($"INSERT INTO sqlite_dbpage(pgno, data, schema) VALUES (?1, ?2, '{database.Schema}')");
    }

    public string Path => _database.Path;

    public int PageSize { get; private set; }

    /// <summary>The replica's page count when the transaction began (0 for a new or empty file).</summary>
    public uint PageCount { get; private set; }

    public UnixFileMode FileMode { get; }

    /// <summary>Whether the replica is a WAL database; it then stays one, whatever page 1 it is sent.</summary>
    public bool IsWal { get; private set; }

    /// <summary>
    /// Opens the existing file <paramref name="path"/> and takes its write lock, waiting up to
    /// <paramref name="busyTimeout"/> for another writer (calling <paramref name="waiting"/> first when
    /// it must wait, which <paramref name="cancellation"/> ends). An empty database takes
    /// <paramref name="pageSizeIfEmpty"/>; a non-empty one keeps its own page size.
    /// </summary>
    /// <exception cref="SqliteCallException">Cannot open, not a database, or the lock was not had in time.</exception>
    public static PageSink Open(string path, int pageSizeIfEmpty, TimeSpan busyTimeout, Action? waiting = null, KeptConnection? kept = null,
        CancellationToken cancellation = default)
    {
        var database = kept?.For(path);
        bool reused = database is not null;
        database ??= SqliteDatabase.OpenAttached(path, "replica", create: false);
        PageSink? sink = null;
        try
        {
            if (!reused)
            {
                kept?.Adopt(database, path);
                database.SetBusyTimeout(busyTimeout, cancellation);
                database.DisableAutoVacuum();
                database.Execute("PRAGMA replica.synchronous = FULL");
                // Only takes effect while the file is still empty.
                database.Execute($"PRAGMA replica.page_size = {pageSizeIfEmpty}");
            }
            sink = new PageSink(database, busyTimeout, kept);
            sink.Begin(waiting, cancellation);
            kept?.Locked();
            if (sink.PageCount > 0)
            {
                sink._comparing = PageSource.OpenSnapshot(path, busyTimeout);
            }
            return sink;
        }
        catch
        {
            if (sink is not null)
            {
                sink.Dispose();
            }
            else if (kept is not null)
            {
                kept.Close();
            }
            else
            {
                database.Dispose();
            }
            throw;
        }
    }

    private void Begin(Action? waiting, CancellationToken cancellation)
    {
        long countBefore = _database.QueryInt64("PRAGMA replica.page_count");
        // One try without waiting, so that a wait can be announced before it begins.
        _database.SetBusyTimeout(TimeSpan.Zero, CancellationToken.None);
        try
        {
            _database.Execute("BEGIN IMMEDIATE");
        }
        catch (SqliteCallException e) when (e.IsBusy)
        {
            if (_database.InTransaction)
            {
                _database.Execute("ROLLBACK");
            }
            waiting?.Invoke();
            _database.SetBusyTimeout(_busyTimeout, cancellation);
            _database.Execute("BEGIN IMMEDIATE");
        }
        _database.SetBusyTimeout(_busyTimeout, CancellationToken.None);
        PageSize = checked((int)_database.QueryInt64("PRAGMA replica.page_size"));
        long count = _database.QueryInt64("PRAGMA replica.page_count");
        // A write transaction on an empty file makes an in-memory page 1; the file is still empty.
        PageCount = countBefore == 0 && count <= 1 ? 0 : checked((uint)count);
        IsWal = _reader.IsWalDatabase(PageCount);
    }

    /// <summary>One page as it is now in this transaction; valid until the next read.</summary>
    public ReadOnlySpan<byte> ReadPage(uint pageNumber) =>
        _comparing is { } comparing ? comparing.ReadPage(pageNumber) : _reader.ReadPage(pageNumber, PageCount);

    /// <summary>Calls <paramref name="visit"/> for each page from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public void ScanPages(uint first, uint last, PageVisitor visit)
    {
        if (_comparing is { } comparing)
        {
            comparing.ScanPages(first, last, visit);
        }
        else
        {
            _reader.ScanPages(first, last, visit);
        }
    }

    /// <summary>More comparing connections for more threads (none once writing has begun, or for an empty database).</summary>
    public ScannerGroup ForThreads(int threads) => _comparing is { } comparing ? new(this, comparing.JoinMore(threads - 1)) : ScannerGroup.Alone(this);

    private void StopComparing()
    {
        _comparing?.Dispose();
        _comparing = null;
    }

    /// <summary>
    /// Overwrites (or appends) one page — of the replica's page size, never page 0 or the lock-byte page:
    /// the replica role checks each page the origin sends — and returns the leaf hash of what was stored.
    /// </summary>
    public UInt128 WritePage(uint pageNumber, ReadOnlySpan<byte> data)
    {
        StopComparing();
        _highestPageWritten = Math.Max(_highestPageWritten, pageNumber);
        if (pageNumber == 1)
        {
            _pageOne = data.ToArray();
            if (IsWal)
            {
                // Switching a live database out of WAL under its readers is unsafe: keep it a WAL database.
                _pageOne[18] = 2;
                _pageOne[19] = 2;
            }
            return PageHasher.Hash(1, _pageOne, LockBytePage.For(PageSize));
        }
        Store(pageNumber, data);
        return PageHasher.Hash(pageNumber, data, LockBytePage.For(PageSize));
    }

    private void Store(uint pageNumber, ReadOnlySpan<byte> data)
    {
        _writePage.Reset();
        _writePage.BindInt64(1, pageNumber);
        _writePage.BindBlob(2, data);
        WhileReadersAllow(_writePage.Run);
    }

    /// <summary>Cuts the database to <paramref name="pageCount"/> pages (if longer) and commits durably.</summary>
    public void Commit(uint pageCount)
    {
        if (pageCount == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pageCount), "a database has at least one page");
        }
        StopComparing();
        if (_pageOne is { } pageOne)
        {
            Store(1, pageOne);
        }
        // PRAGMA page_count would report the page count in page 1's header as it was when the
        // transaction began (sqlite_dbpage writes bypass the b-tree layer), so we count ourselves.
        uint current = Math.Max(PageCount, _highestPageWritten);
        if (pageCount < current)
        {
            // sqlite_dbpage truncates on "INSERT (N, NULL)" at commit time, unless another page is
            // written after it: so this is the last statement before COMMIT.
            _writePage.Reset();
            _writePage.BindInt64(1, pageCount + 1);
            _writePage.BindNull(2);
            WhileReadersAllow(_writePage.Run);
        }
        else if (pageCount > current)
        {
            throw new InvalidOperationException($"the replica has {current} pages, fewer than the {pageCount} it should have: a page was not sent");
        }
        // A read statement left on a row would keep a read transaction open past the commit, and with
        // it the WAL's autocheckpoint from ever running: a watch's kept connection then grew the -wal
        // by every page it wrote (WatchEnduranceTests).
        _reader.Reset();
        WhileReadersAllow(() => _database.Execute("COMMIT"));
        _committed = true;
    }

    /// <summary>
    /// Runs a step that may need the database file itself (a commit, or a page cache spilling to
    /// disk). We hold the write lock, so only readers can keep it waiting: in rollback-journal mode
    /// the file cannot be written while anyone reads it.
    /// </summary>
    private void WhileReadersAllow(Action step)
    {
        try
        {
            step();
        }
        catch (SqliteCallException e) when (e.IsBusy)
        {
            throw ReadersKeptUsWaiting(e);
        }
        // A page cache that could not spill to the file for them is no error to SQLite: the wait says so.
        if (_database.GaveUpWaiting)
        {
            throw ReadersKeptUsWaiting(null);
        }
    }

    private SyncException ReadersKeptUsWaiting(Exception? cause) => new(SyncFailure.Busy,
        $"replica {Path} is being read by another process, and a rollback-journal database cannot be written while it is read; " +
        $"gave up after {_busyTimeout.TotalSeconds:0.###} s (keep its readers' transactions short, make the replica a WAL database, or raise " +
            "--busy-timeout)", cause);

    /// <summary>Makes closing leave the WAL alone: no checkpoint, no -wal or -shm deleted (after the file was replaced under this name).</summary>
    public void KeepWalOnClose() => _database.SetConfig(SqliteNative.DbConfigNoCheckpointOnClose, true);

    /// <exception cref="SyncException">The failed transaction could not be rolled back completely.</exception>
    public void Dispose()
    {
        StopComparing();
        _reader.Dispose();
        _writePage.Dispose();
        // A kept connection stays open after a commit; after a failure, closing it rolls back as closing ours does.
        if (_kept is null)
        {
            _database.Dispose();
        }
        else if (!_committed)
        {
            _kept.Close();
        }
        if (_committed)
        {
            return;
        }
        if (_highestPageWritten > 0 && !IsWal)
        {
            HotJournal.RollBack(Path, (long)PageCount * PageSize, _busyTimeout);
        }
    }
}
