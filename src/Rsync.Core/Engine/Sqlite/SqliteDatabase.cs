namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// One connection to a database file through our native SQLite, with exactly the open flags we ask
/// for (no pooling, no hidden handles). Everything that touches a database file goes through here:
/// a plain file handle on a database SQLite has open would drop its POSIX locks when closed.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private nint _handle;
    private System.Runtime.InteropServices.GCHandle _busyWaitHandle;

    private SqliteDatabase(nint handle, string path, string schema)
    {
        _handle = handle;
        Path = path;
        Schema = schema;
    }

    public string Path { get; }

    /// <summary>The schema name the database file has on this connection: "main", or the name it was attached as.</summary>
    public string Schema { get; }

    /// <summary>Opens an existing database, or creates it when <paramref name="create"/> is set.</summary>
    public static SqliteDatabase Open(string path, bool create) => new(OpenConnection(path, create), path, "main");

    /// <summary>
    /// Opens <paramref name="path"/> attached as <paramref name="schema"/> to an in-memory main database,
    /// as sqlite3_rsync's replica does. A statement verifies the schema cookie of its main database
    /// only, so pages written through sqlite_dbpage(<paramref name="schema"/>) can change the file's
    /// schema without SQLite re-reading that schema from half-written pages before the next statement.
    /// </summary>
    public static SqliteDatabase OpenAttached(string path, string schema, bool create)
    {
        var database = new SqliteDatabase(OpenConnection(":memory:", create), path, schema);
        try
        {
            database.Execute($"ATTACH '{path.Replace("'", "''")}' AS {schema}");
            return database;
        }
        catch (SqliteCallException e)
        {
            database.Dispose();
            throw new SqliteCallException($"cannot open {path}: {e.Message}", e.ExtendedCode);
        }
    }

    private static nint OpenConnection(string path, bool create)
    {
        SqliteLibrary.EnsureDbpage();
        // READWRITE falls back to read-only by itself when the file is write-protected. NOFOLLOW: the
        // paths sqlrsync opens are resolved already (PathPolicy); a link that appears since is refused.
        int flags = SqliteNative.OpenReadWrite | SqliteNative.OpenNoMutex | SqliteNative.OpenNoFollow;
        if (create)
        {
            flags |= SqliteNative.OpenCreate;
        }
        int rc = SqliteNative.Open(path, out var handle, flags, null);
        if (rc != SqliteNative.Ok)
        {
            string message = handle == 0 ? SqliteNative.ErrorString(rc) : SqliteNative.ErrorMessage(handle);
            _ = SqliteNative.Close(handle);
            throw new SqliteCallException($"cannot open {path}: {message}", rc);
        }
        // Extended result codes tell "disk full" and "busy" apart from other I/O failures.
        _ = SqliteNative.ExtendedResultCodes(handle, 1);
        return handle;
    }

    /// <summary>
    /// From now on this connection waits at most <paramref name="timeout"/> in all for other
    /// processes' locks (<see cref="BusyWait"/>), however many lock attempts that takes, and not at all
    /// once <paramref name="cancellation"/> is cancelled.
    /// </summary>
    public void SetBusyTimeout(TimeSpan timeout, CancellationToken cancellation = default)
    {
        var handle = BusyWait.Install(_handle, new BusyWait(timeout, cancellation));
        if (_busyWaitHandle.IsAllocated)
        {
            _busyWaitHandle.Free();
        }
        _busyWaitHandle = handle;
    }

    /// <summary>Whether SQLite gave up on a lock since the last <see cref="SetBusyTimeout"/>: its wait was spent.</summary>
    public bool GaveUpWaiting => _busyWaitHandle.IsAllocated && ((BusyWait)_busyWaitHandle.Target!).GaveUp;

    /// <summary>
    /// Keeps SQLite from moving pages at the commit of an auto-vacuum database: pages written through
    /// sqlite_dbpage are the content to keep exactly, free pages and all.
    /// </summary>
    public unsafe void DisableAutoVacuum() => Check(SqliteNative.AutoVacuumPages(_handle, &NoPagesToVacuum, 0, 0));

    [System.Runtime.InteropServices.UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static uint NoPagesToVacuum(nint argument, nint schema, uint pages, uint freePages, uint pageSize) => 0;

    /// <summary>Sets an on/off SQLITE_DBCONFIG_* option.</summary>
    public void SetConfig(int option, bool on) => Check(SqliteNative.DbConfig(_handle, option, on ? 1 : 0, out _));

    public void Execute(string sql)
    {
        using var statement = Prepare(sql);
        statement.Run();
    }

    public long QueryInt64(string sql)
    {
        using var statement = Prepare(sql);
        if (!statement.Step())
        {
            throw new SqliteCallException($"{sql} returned no row", SqliteNative.Error);
        }
        return statement.ColumnInt64(0);
    }

    public SqliteStatement Prepare(string sql)
    {
        Check(SqliteNative.Prepare(_handle, sql, out var statement));
        return new SqliteStatement(this, statement);
    }

    /// <summary>
    /// The WAL snapshot this connection's read transaction reads, for another connection to open (free
    /// it with <see cref="SqliteNative.SnapshotFree"/>); 0 when the WAL holds no frames, as SQLite then
    /// reads the database file alone and has no snapshot to give.
    /// </summary>
    public nint TryGetSnapshot()
    {
        int rc = SqliteNative.SnapshotGet(_handle, Schema, out var snapshot);
        if (rc == SqliteNative.Error)
        {
            return 0;
        }
        Check(rc);
        return snapshot;
    }

    /// <summary>
    /// The length of the WAL-index header that sqlite3_snapshot_get's opaque object begins with
    /// (WalIndexHdr in wal.c of the SQLite we build and pin: its change counter, mxFrame at byte 16,
    /// the page count, frame checksums, the salts at byte 32 as in the file, its own checksums).
    /// </summary>
    public const int SnapshotHeaderLength = 48;

    /// <summary>
    /// Copies the WAL-index header of this connection's read snapshot into <paramref name="header"/>
    /// (<see cref="SnapshotHeaderLength"/> bytes); false when the WAL holds no frames (see <see cref="TryGetSnapshot"/>).
    /// </summary>
    public unsafe bool TryReadSnapshotHeader(Span<byte> header)
    {
        nint snapshot = TryGetSnapshot();
        if (snapshot == 0)
        {
            return false;
        }
        try
        {
            new ReadOnlySpan<byte>((void*)snapshot, SnapshotHeaderLength).CopyTo(header);
            return true;
        }
        finally
        {
            SqliteNative.SnapshotFree(snapshot);
        }
    }

    /// <summary>Makes the read transaction that BEGIN started read <paramref name="snapshot"/> (before its first read).</summary>
    public void OpenSnapshot(nint snapshot) => Check(SqliteNative.SnapshotOpen(_handle, Schema, snapshot));

    /// <summary>The pointer a SQLITE_FCNTL_* <paramref name="operation"/> gives for the main database; 0 when it gives none.</summary>
    public nint FileControlPointer(int operation) =>
        SqliteNative.FileControl(_handle, Schema, operation, out var result) == SqliteNative.Ok ? result : 0;

    /// <summary>The 32-bit value a SQLITE_FCNTL_* <paramref name="operation"/> writes for the main database; null when it fails.</summary>
    public uint? FileControlUInt32(int operation) =>
        SqliteNative.FileControl(_handle, Schema, operation, out var result) == SqliteNative.Ok ? (uint)result : null;

    public bool InTransaction => SqliteNative.GetAutocommit(_handle) == 0;

    internal void Check(int rc)
    {
        if (rc != SqliteNative.Ok)
        {
            throw ErrorFor(rc);
        }
    }

    internal SqliteCallException ErrorFor(int rc)
    {
        string message = SqliteNative.ErrorMessage(_handle);
        return new SqliteCallException($"{Path}: {message}", rc);
    }

    /// <summary>Rolls back a transaction still open (so nothing of it is ever kept), then closes.</summary>
    public void Dispose()
    {
        if (_handle == 0)
        {
            return;
        }
        if (InTransaction)
        {
            Execute("ROLLBACK");
        }
        _ = SqliteNative.Close(_handle);
        _handle = 0;
        if (_busyWaitHandle.IsAllocated)
        {
            _busyWaitHandle.Free();
        }
    }
}
