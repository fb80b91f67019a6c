using SQLitePCL;
using NativeLibrary = System.Runtime.InteropServices.NativeLibrary;

namespace SqlRsync.Sqlite;

/// <summary>
/// The SQLite sqlrsync runs on. SQLitePCLRaw keeps one SQLite provider per process, and sqlrsync uses
/// that one, so that it and the application share one copy of SQLite: two copies in one process drop
/// each other's POSIX locks on a file both have open (seed 001). When the application has set none,
/// sqlrsync sets its own build (libsqlrsync_sqlite3, which has sqlite_dbpage), and the application's
/// Microsoft.Data.Sqlite.Core connections use it too. A SQLite without sqlite_dbpage is refused.
/// </summary>
internal static class NativeSqlite
{
    /// <summary>Our library's name; the file is libsqlrsync_sqlite3.so.</summary>
    public const string LibraryName = "sqlrsync_sqlite3";

    private static readonly Lazy<bool> Initialized = new(() =>
    {
        if (!ProviderIsSet())
        {
            var library = NativeLibrary.Load(LibraryName, typeof(NativeSqlite).Assembly, null);
            SQLite3Provider_dynamic_cdecl.Setup(LibraryName, new Exports(library));
            raw.SetProvider(new SQLite3Provider_dynamic_cdecl());
        }
        return true;
    });

    /// <summary>Makes SQLite usable; safe to call any number of times from any thread.</summary>
    public static void EnsureInitialized() => _ = Initialized.Value;

    /// <summary>Makes SQLite usable and checks it can sync.</summary>
    /// <exception cref="SyncException">This process's SQLite has no sqlite_dbpage.</exception>
    public static void EnsureDbpage()
    {
        if (!HasDbpage)
        {
            throw new SyncException(SyncFailure.Incompatible,
                $"the SQLite this process uses ({Version}, chosen by the application through SQLitePCLRaw) was built without sqlite_dbpage, " +
                "which sqlrsync needs; let sqlrsync provide its own: reference Microsoft.Data.Sqlite.Core rather than Microsoft.Data.Sqlite and do not call SQLitePCL.Batteries.Init()");
        }
    }

    /// <summary>The SQLite library version, such as "3.54.1".</summary>
    public static string Version
    {
        get
        {
            EnsureInitialized();
            return raw.sqlite3_libversion().utf8_to_string();
        }
    }

    /// <summary>Whether the library was compiled with the sqlite_dbpage virtual table, which sqlrsync needs.</summary>
    public static bool HasDbpage
    {
        get
        {
            EnsureInitialized();
            return raw.sqlite3_compileoption_used("ENABLE_DBPAGE_VTAB") != 0;
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
