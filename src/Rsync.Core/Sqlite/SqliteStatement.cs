using SQLitePCL;

namespace SqlRsync.Sqlite;

/// <summary>A prepared statement. Blob columns are returned as spans into SQLite's memory, without a copy.</summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteDatabase database, sqlite3_stmt statement)
    {
        _database = database;
        _statement = statement;
    }

    public void BindInt64(int index, long value) => _database.Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void BindBlob(int index, ReadOnlySpan<byte> value) => _database.Check(raw.sqlite3_bind_blob(_statement, index, value));

    public void BindNull(int index) => _database.Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Steps once; true when a row is ready, false when the statement is done.</summary>
    public bool Step()
    {
        int rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }
        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }
        throw _database.ErrorFor(rc);
    }

    /// <summary>Runs to completion, ignoring any rows.</summary>
    public void Run()
    {
        while (Step())
        {
        }
        Reset();
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public long ColumnInt64(int index) => raw.sqlite3_column_int64(_statement, index);

    /// <summary>The blob in column <paramref name="index"/>, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> ColumnBlob(int index) => raw.sqlite3_column_blob(_statement, index);

    public void Dispose() => raw.sqlite3_finalize(_statement);
}
