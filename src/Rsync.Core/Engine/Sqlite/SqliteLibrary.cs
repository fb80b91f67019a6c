using SQLitePCL;
using NativeLibrary = System.Runtime.InteropServices.NativeLibrary;

namespace SqlRsync.Engine.Sqlite;

/// <summary>
/// The SQLite sqlrsync runs on: our build (libsqlrsync_sqlite3, with sqlite_dbpage), which the sync
/// engine calls directly (<see cref="SqliteNative"/>). An application that also opens databases through
/// Microsoft.Data.Sqlite.Core can share that one library through SQLitePCLRaw (<see cref="ShareWithSqlitePclRaw"/>):
/// one SQLite per process, because two copies drop each other's POSIX locks on a file both have open
/// (seed 001).
/// </summary>
internal static class SqliteLibrary
{
    /// <summary>The SQLite library version, such as "3.54.1".</summary>
    public static string Version => SqliteNative.LibraryVersion();

    /// <summary>Whether the library was compiled with the sqlite_dbpage virtual table, which sqlrsync needs.</summary>
    public static bool HasDbpage => SqliteNative.CompileOptionUsed("ENABLE_DBPAGE_VTAB") != 0;

    /// <exception cref="SyncException">Our library has no sqlite_dbpage (a broken build).</exception>
    public static void EnsureDbpage()
    {
        NoSymlinkVfs.EnsureInstalled();
        if (!HasDbpage)
        {
            throw new SyncException(SyncFailure.Incompatible,
                $"this sqlrsync's SQLite ({Version}) was built without sqlite_dbpage; rebuild it (native/sqlite/build.sh)");
        }
    }

    /// <summary>
    /// Makes our library SQLitePCLRaw's provider, unless the application has set one: then that one must
    /// be ours too (the same library, loaded once).
    /// </summary>
    /// <exception cref="SyncException">The application's SQLitePCLRaw provider is another SQLite.</exception>
    public static void ShareWithSqlitePclRaw()
    {
        lock (typeof(SqliteLibrary))
        {
            NoSymlinkVfs.EnsureInstalled();
            if (!ProviderIsSet())
            {
                var library = NativeLibrary.Load(SqliteNative.Library, typeof(SqliteLibrary).Assembly, null);
                SQLite3Provider_dynamic_cdecl.Setup(SqliteNative.Library, new Exports(library));
                raw.SetProvider(new SQLite3Provider_dynamic_cdecl());
            }
            else if (raw.sqlite3_compileoption_used("ENABLE_DBPAGE_VTAB") == 0)
            {
                throw new SyncException(SyncFailure.Incompatible,
                    $"the application already uses another SQLite ({raw.sqlite3_libversion().utf8_to_string()}, set through SQLitePCLRaw, without " +
                        "sqlite_dbpage); " +
                    "two SQLite copies in one process break each other's locks: reference Microsoft.Data.Sqlite.Core rather than Microsoft.Data.Sqlite, " +
                    "and call DatabaseSync.InitializeSqlite() before SQLitePCL.Batteries.Init() or any connection");
            }
        }
    }

    /// <summary>
    /// The library's functions, found by .NET itself (SQLitePCLRaw's own loader looks for a "libdl.so"
    /// that glibc 2.34 and later no longer have).
    /// </summary>
    private sealed class Exports(IntPtr library) : IGetFunctionPointer
    {
        public IntPtr GetFunctionPointer(string name) => NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero;
    }

    /// <summary>Whether the application (or an earlier call) has set SQLitePCLRaw's provider: raw throws until one is set.</summary>
    private static bool ProviderIsSet()
    {
        try
        {
            raw.sqlite3_libversion_number();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
