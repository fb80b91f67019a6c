using SQLitePCL;

namespace Rsync.Core.Sqlite;

/// <summary>A failed SQLite call, with SQLite's own message and result codes.</summary>
public sealed class SqliteError : Exception
{
    public SqliteError(string message, int resultCode, int extendedCode) : base(message)
    {
        ResultCode = resultCode;
        ExtendedCode = extendedCode;
    }

    /// <summary>The primary result code (SQLITE_BUSY, SQLITE_NOTADB, ...).</summary>
    public int ResultCode { get; }

    public int ExtendedCode { get; }

    public bool IsBusy => ResultCode is raw.SQLITE_BUSY or raw.SQLITE_LOCKED;

    public bool IsNotADatabase => ResultCode is raw.SQLITE_NOTADB;

    public bool IsDiskFull => ResultCode is raw.SQLITE_FULL;
}
