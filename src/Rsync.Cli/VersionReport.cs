using System.Reflection;

namespace SqlRsync.Cli;

/// <summary>What `sqlrsync --version` prints: our version, our protocol's, and the SQLite we run on.</summary>
internal static class VersionReport
{
    public static string ProgramVersion =>
        typeof(VersionReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>The script that brings sqlrsync to a remote host looks for this line to tell a compatible sqlrsync.</summary>
    public static string Text() =>
        $"sqlrsync {ProgramVersion}\n" +
        $"protocol {SyncAgent.ProtocolVersion}\n" +
        $"SQLite {DatabaseSync.SqliteVersion}\n" +
        $"sqlite_dbpage: {(DatabaseSync.SqliteHasDbpage ? "available" : "missing (this SQLite cannot sync)")}";
}
