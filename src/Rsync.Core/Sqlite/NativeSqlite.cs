using SQLitePCL;

namespace SqlRsync.Sqlite;

/// <summary>
/// Our own SQLite build (native/sqlite), loaded through SQLitePCLRaw's e_sqlite3 provider. We set the
/// provider ourselves because we deliberately reference no SQLitePCLRaw bundle.
/// </summary>
internal static class NativeSqlite
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        raw.SetProvider(new SQLite3Provider_e_sqlite3());
        return true;
    });

    /// <summary>Makes the native library usable; safe to call any number of times from any thread.</summary>
    public static void EnsureInitialized() => _ = Initialized.Value;

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
}
