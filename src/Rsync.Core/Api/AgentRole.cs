namespace SqlRsync;

/// <summary>The role a remote agent plays: `sqlrsync --origin PATH` or `sqlrsync --replica PATH`.</summary>
internal enum AgentRole
{
    Origin,
    Replica,
}
