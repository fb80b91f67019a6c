using System.Runtime.InteropServices;

namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// The SQLite C functions the sync engine calls, bound at compile time to our own build
/// (libsqlrsync_sqlite3; see native/sqlite). Compile-time bindings are what Native AOT needs to link
/// SQLite into the single sqlrsync executable; in a .NET process the same library is loaded by name.
/// The result codes and flags below are SQLite's documented values.
/// </summary>
internal static partial class SqliteNative
{
    public const string Library = "sqlrsync_sqlite3";

    public const int Ok = 0;
    public const int Error = 1;
    public const int Busy = 5;
    public const int Locked = 6;
    public const int ReadOnly = 8;
    public const int ReadOnlyRollback = ReadOnly | (3 << 8);  // a hot journal this connection may not roll back
    public const int Corrupt = 11;
    public const int Full = 13;
    public const int CantOpen = 14;
    public const int NotADatabase = 26;
    public const int Row = 100;
    public const int Done = 101;

    public const int OpenReadWrite = 0x00000002;
    public const int OpenCreate = 0x00000004;
    public const int OpenNoMutex = 0x00008000;
    public const int OpenNoFollow = 0x01000000;

    public const int DbConfigNoCheckpointOnClose = 1006;

    /// <summary>SQLITE_TRANSIENT: SQLite copies a bound blob before the call returns.</summary>
    private static readonly nint Transient = -1;

    [LibraryImport(Library, EntryPoint = "sqlite3_open_v2", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, out nint database, int flags, string? vfs);

    [LibraryImport(Library, EntryPoint = "sqlite3_close_v2")]
    public static partial int Close(nint database);

    [LibraryImport(Library, EntryPoint = "sqlite3_extended_result_codes")]
    public static partial int ExtendedResultCodes(nint database, int on);

    [LibraryImport(Library, EntryPoint = "sqlite3_busy_handler")]
    public static unsafe partial int BusyHandler(nint database, delegate* unmanaged<nint, int, int> handler, nint argument);

    /// <summary>sqlite3_db_config for an on/off option: (op, int onOff, int* result).</summary>
    [LibraryImport(Library, EntryPoint = "sqlite3_db_config")]
    public static partial int DbConfig(nint database, int option, int on, out int result);

    [LibraryImport(Library, EntryPoint = "sqlite3_snapshot_get", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SnapshotGet(nint database, string schema, out nint snapshot);

    [LibraryImport(Library, EntryPoint = "sqlite3_snapshot_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SnapshotOpen(nint database, string schema, nint snapshot);

    [LibraryImport(Library, EntryPoint = "sqlite3_snapshot_free")]
    public static partial void SnapshotFree(nint snapshot);

    /// <summary>sqlite3_file_control for an opcode whose argument is a pointer SQLite fills in.</summary>
    [LibraryImport(Library, EntryPoint = "sqlite3_file_control", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FileControl(nint database, string schema, int operation, out nint result);

    [LibraryImport(Library, EntryPoint = "sqlite3_autovacuum_pages")]
    public static unsafe partial int AutoVacuumPages(nint database, delegate* unmanaged[Cdecl]<nint, nint, uint, uint, uint, uint> pages,
        nint argument, nint destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_vfs_find")]
    public static partial nint FindVfs(nint name);

    [LibraryImport(Library, EntryPoint = "sqlite3_get_autocommit")]
    public static partial int GetAutocommit(nint database);

    [LibraryImport(Library, EntryPoint = "sqlite3_errmsg")]
    private static partial nint ErrorMessagePointer(nint database);

    [LibraryImport(Library, EntryPoint = "sqlite3_errstr")]
    private static partial nint ErrorStringPointer(int resultCode);

    [LibraryImport(Library, EntryPoint = "sqlite3_prepare_v2")]
    private static partial int Prepare(nint database, ReadOnlySpan<byte> sql, int length, out nint statement, nint tail);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    public static partial int Reset(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_finalize")]
    public static partial int Finalize(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    public static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    public static partial int BindNull(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_blob")]
    private static partial int BindBlob(nint statement, int index, ref byte data, int length, nint destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    public static partial long ColumnInt64(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    private static partial nint ColumnBlobPointer(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    private static partial int ColumnBytes(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_libversion")]
    private static partial nint LibraryVersionPointer();

    [LibraryImport(Library, EntryPoint = "sqlite3_compileoption_used", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CompileOptionUsed(string option);

    public static string ErrorMessage(nint database) => Marshal.PtrToStringUTF8(ErrorMessagePointer(database)) ?? "";

    public static string ErrorString(int resultCode) => Marshal.PtrToStringUTF8(ErrorStringPointer(resultCode)) ?? "";

    public static string LibraryVersion() => Marshal.PtrToStringUTF8(LibraryVersionPointer()) ?? "";

    public static int Prepare(nint database, string sql, out nint statement)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(sql);
        return Prepare(database, utf8, utf8.Length, out statement, 0);
    }

    public static int BindBlob(nint statement, int index, ReadOnlySpan<byte> data)
    {
        // An empty span may have no address; SQLite takes a zero-length blob from any pointer.
        byte empty = 0;
        return BindBlob(statement, index, ref data.IsEmpty ? ref empty : ref MemoryMarshal.GetReference(data), data.Length, Transient);
    }

    /// <summary>The blob in a result column, valid until the statement steps or resets.</summary>
    public static unsafe ReadOnlySpan<byte> ColumnBlob(nint statement, int index)
    {
        var pointer = ColumnBlobPointer(statement, index);
        int length = ColumnBytes(statement, index);
        return pointer == 0 ? [] : new ReadOnlySpan<byte>((void*)pointer, length);
    }
}
