namespace SqlRsync;

/// <summary>The side a remote agent plays: the origin (`sqlrsync --origin PATH`) or the replica (`sqlrsync --replica PATH`).</summary>
public enum AgentRole
{
    /// <summary>The agent serves the database to copy.</summary>
    Origin,

    /// <summary>The agent's database becomes the copy.</summary>
    Replica,
}
