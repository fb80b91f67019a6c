using System.Reflection;
using SqlRsync.Sqlite;

namespace SqlRsync.Cli;

/// <summary>What `sqlrsync --version` prints: our version and the SQLite we run on.</summary>
internal static class VersionReport
{
    public static string ProgramVersion =>
        typeof(VersionReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public static string Text() =>
        $"sqlrsync {ProgramVersion}\n" +
        $"SQLite {NativeSqlite.Version}\n" +
        $"sqlite_dbpage: {(NativeSqlite.HasDbpage ? "available" : "missing (this SQLite cannot sync)")}";
}
