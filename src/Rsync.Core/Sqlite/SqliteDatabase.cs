using SQLitePCL;

namespace SqlRsync.Sqlite;

/// <summary>
/// One connection to a database file through our native SQLite, with exactly the open flags we ask
/// for (no pooling, no hidden handles). Everything that touches a database file goes through here:
/// a plain file handle on a database SQLite has open would drop its POSIX locks when closed.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly sqlite3 _handle;

    private SqliteDatabase(sqlite3 handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens an existing database, or creates it when <paramref name="create"/> is set.</summary>
    public static SqliteDatabase Open(string path, bool create)
    {
        NativeSqlite.EnsureDbpage();
        // READWRITE falls back to read-only by itself when the file is write-protected.
        int flags = raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX;
        if (create)
        {
            flags |= raw.SQLITE_OPEN_CREATE;
        }
        int rc = raw.sqlite3_open_v2(path, out var handle, flags, null);
        if (rc != raw.SQLITE_OK)
        {
            string message = handle is null ? raw.sqlite3_errstr(rc).utf8_to_string() : raw.sqlite3_errmsg(handle).utf8_to_string();
            handle?.Dispose();
            throw new SqliteCallException($"cannot open {path}: {message}", rc & 0xFF);
        }
        var database = new SqliteDatabase(handle, path);
        // Extended result codes tell "disk full" and "busy" apart from other I/O failures.
        raw.sqlite3_extended_result_codes(handle, 1);
        return database;
    }

    public void SetBusyTimeout(TimeSpan timeout) => Check(raw.sqlite3_busy_timeout(_handle, (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds)));

    /// <summary>Sets an on/off SQLITE_DBCONFIG_* option.</summary>
    public void SetConfig(int option, bool on) => Check(raw.sqlite3_db_config(_handle, option, on ? 1 : 0, out _));

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
            throw new SqliteCallException($"{sql} returned no row", raw.SQLITE_ERROR);
        }
        return statement.ColumnInt64(0);
    }

    public SqliteStatement Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_handle, sql, out var statement));
        return new SqliteStatement(this, statement);
    }

    public bool InTransaction => raw.sqlite3_get_autocommit(_handle) == 0;

    internal void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw ErrorFor(rc);
        }
    }

    internal SqliteCallException ErrorFor(int rc)
    {
        string message = raw.sqlite3_errmsg(_handle).utf8_to_string();
        return new SqliteCallException($"{Path}: {message}", rc & 0xFF);
    }

    /// <summary>Rolls back a transaction still open (so nothing of it is ever kept), then closes.</summary>
    public void Dispose()
    {
        if (InTransaction)
        {
            Execute("ROLLBACK");
        }
        _handle.Dispose();
    }
}
