namespace SqlRsync.Engine.Sqlite;

/// <summary>A prepared statement. Blob columns are returned as spans into SQLite's memory, without a copy.</summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly SqliteDatabase _database;
    private nint _statement;

    public SqliteStatement(SqliteDatabase database, nint statement)
    {
        _database = database;
        _statement = statement;
    }

    public void BindInt64(int index, long value) => _database.Check(SqliteNative.BindInt64(_statement, index, value));

    public void BindBlob(int index, ReadOnlySpan<byte> value) => _database.Check(SqliteNative.BindBlob(_statement, index, value));

    public void BindNull(int index) => _database.Check(SqliteNative.BindNull(_statement, index));

    /// <summary>Steps once; true when a row is ready, false when the statement is done.</summary>
    public bool Step()
    {
        int rc = SqliteNative.Step(_statement);
        if (rc == SqliteNative.Row)
        {
            return true;
        }
        if (rc == SqliteNative.Done)
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

    public void Reset() => _ = SqliteNative.Reset(_statement);

    public long ColumnInt64(int index) => SqliteNative.ColumnInt64(_statement, index);

    /// <summary>The blob in column <paramref name="index"/>, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> ColumnBlob(int index) => SqliteNative.ColumnBlob(_statement, index);

    public void Dispose()
    {
        if (_statement != 0)
        {
            _ = SqliteNative.Finalize(_statement);
            _statement = 0;
        }
    }
}
