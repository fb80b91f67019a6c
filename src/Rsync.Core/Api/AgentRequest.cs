namespace SqlRsync;

/// <summary>
/// What a transport asks the remote program to do: serve its database in <paramref name="Role"/>. When
/// <paramref name="Sqlite3Rsync"/> is set, the program is sqlite3_rsync (or a sqlrsync serving as one)
/// and is started with its arguments, which also name the other side's file (<paramref name="OtherName"/>).
/// </summary>
internal sealed record AgentRequest(AgentRole Role, TimeSpan BusyTimeout, bool Sqlite3Rsync = false, string OtherName = "", bool WalOnly = false, bool Directory = false)
{
    /// <summary>The agent's first argument: `--origin`, `--replica`, or for a directory session `--origin-dir`, `--replica-dir`.</summary>
    public string RoleArgument => (Role == AgentRole.Origin ? "--origin" : "--replica") + (Directory ? "-dir" : "");
}
