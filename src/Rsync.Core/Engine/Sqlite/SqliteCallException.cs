namespace SqlRsync.Engine.Sqlite;

/// <summary>A SQLite call that failed, with SQLite's own message and its result code.</summary>
internal sealed class SqliteCallException(string message, int extendedCode) : Exception(message)
{
    /// <summary>The primary result code (SQLITE_BUSY, SQLITE_NOTADB, ...).</summary>
    public int ResultCode => ExtendedCode & 0xFF;

    /// <summary>The extended result code (SQLITE_READONLY_ROLLBACK, SQLITE_IOERR_SHORT_READ, ...), or the primary one where SQLite gave no more.</summary>
    public int ExtendedCode { get; } = extendedCode;

    public bool IsBusy => ResultCode is SqliteNative.Busy or SqliteNative.Locked;
}
