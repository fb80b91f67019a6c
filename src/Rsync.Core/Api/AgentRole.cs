namespace SqlRsync;

/// <summary>
/// The side a remote agent plays: the origin (`sqlrsync --origin PATH`), the replica (`sqlrsync
/// --replica PATH`), or the keeper of a snapshot archive's objects (`sqlrsync --archive-store DIR`).
/// </summary>
public enum AgentRole
{
    /// <summary>The agent serves the database to copy.</summary>
    Origin,

    /// <summary>The agent's database becomes the copy.</summary>
    Replica,

    /// <summary>The agent keeps the objects of a snapshot archive for a client that does the archive's work (docs/archive.md).</summary>
    Archive,
}
