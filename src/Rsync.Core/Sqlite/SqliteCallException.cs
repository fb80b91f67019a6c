namespace SqlRsync.Sqlite;

/// <summary>A SQLite call that failed, with SQLite's own message and primary result code.</summary>
internal sealed class SqliteCallException(string message, int resultCode) : Exception(message)
{
    /// <summary>The primary result code (SQLITE_BUSY, SQLITE_NOTADB, ...).</summary>
    public int ResultCode { get; } = resultCode;

    public bool IsBusy => ResultCode is SqliteNative.Busy or SqliteNative.Locked;
}
